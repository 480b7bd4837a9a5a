// The citizen's document page asks for its status every 15 s (htmx, hx-trigger="every 15s"). A swap rebuilds
// the whole panel, which would drop the keyboard focus and make a screen reader read everything again. So:
// - nothing changed: no swap at all;
// - the answer is not the panel (a redirect to the login page once the session has ended): no swap;
// - something changed: swap, put the focus back on the same link, and announce only the new status.
(function () {
  var panel = document.querySelector("[data-status-poll]");
  if (!panel) { return; }
  var announcer = document.getElementById("anunt-stare");
  var focusedHref = null;

  function sameHtml(a, b) { return a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim(); }

  panel.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.target !== panel) { return; }
    var requested = new URL(panel.getAttribute("hx-get"), window.location.href).pathname;
    if (detail.xhr.responseURL && new URL(detail.xhr.responseURL).pathname !== requested) {
      detail.shouldSwap = false;
      return;
    }
    var incoming = document.createElement("template");
    incoming.innerHTML = detail.serverResponse;
    if (sameHtml(incoming.innerHTML, panel.innerHTML)) {
      detail.shouldSwap = false;
      return;
    }
    var active = document.activeElement;
    focusedHref = active && panel.contains(active) ? active.getAttribute("href") : null;
  });

  panel.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== panel) { return; }
    if (focusedHref) {
      var links = panel.querySelectorAll("a[href]");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("href") === focusedHref) { links[i].focus(); break; }
      }
      focusedHref = null;
    }
    var status = panel.querySelector("[data-stare]");
    if (announcer && status) {
      announcer.textContent = panel.dataset.announce + " " + status.textContent.replace(/\s+/g, " ").trim();
    }
  });
})();
