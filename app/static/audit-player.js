// The auditor's step-by-step player: draws the document's pinned process version and, for the chosen step,
// marks its element and the sequence flow taken to reach it; earlier steps stay marked as passed.
// Markers only (canvas.addMarker): the XML is never modified, and the bpmn.io watermark stays visible.
(function () {
  var holder = document.getElementById("diagrama-audit");
  var list = document.getElementById("pasi-audit");
  if (!holder || !list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll(".audit-step"));
  var controls = document.getElementById("comenzi-pasi");
  var back = document.getElementById("pas-inapoi");
  var play = document.getElementById("pas-reda");
  var next = document.getElementById("pas-inainte");
  var counter = document.getElementById("pas-numar");
  var current = 0;
  var timer = null;
  var canvas = null;
  var registry = null;
  var applied = [];

  function mark(id, cls) {
    if (canvas && id && registry.get(id)) {
      canvas.addMarker(id, cls);
      applied.push([id, cls]);
    }
  }

  function clearMarks() {
    applied.forEach(function (pair) { canvas.removeMarker(pair[0], pair[1]); });
    applied = [];
  }

  function show(index) {
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) {
      var details = item.querySelector(".audit-step-details");
      var active = i === current;
      item.classList.toggle("audit-step-current", active);
      item.classList.toggle("audit-step-passed", i < current);
      if (details) { details.hidden = !active; }
      var button = item.querySelector("[data-goto]");
      if (active) { button.setAttribute("aria-current", "step"); } else { button.removeAttribute("aria-current"); }
    });
    counter.textContent = counter.dataset.template
      .replace("{n}", String(current + 1)).replace("{total}", String(items.length));
    back.disabled = current === 0;
    next.disabled = current === items.length - 1;
    holder.dataset.step = String(current);
    if (!canvas) { return; }
    clearMarks();
    for (var i = 0; i < current; i++) {
      mark(items[i].dataset.element, "audit-parcurs");
      mark(items[i].dataset.flow, "audit-flux-parcurs");
    }
    var step = items[current];
    mark(step.dataset.element, "audit-curent");
    mark(step.dataset.flow, "audit-flux-curent");
    var element = registry.get(step.dataset.element);
    if (element && canvas.scrollToElement) { canvas.scrollToElement(element); }
  }

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    play.textContent = play.dataset.labelPlay;
    play.setAttribute("aria-pressed", "false");
  }

  function start() {
    if (current >= items.length - 1) { show(0); }
    play.textContent = play.dataset.labelPause;
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (current >= items.length - 1) { stop(); return; }
      show(current + 1);
    }, Number(holder.dataset.interval || 1200));
  }

  back.addEventListener("click", function () { stop(); show(current - 1); });
  next.addEventListener("click", function () { stop(); show(current + 1); });
  play.addEventListener("click", function () { if (timer) { stop(); } else { start(); } });
  list.addEventListener("click", function (event) {
    var target = event.target.closest("[data-goto]");
    if (target) { stop(); show(Number(target.dataset.goto)); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, textarea, select")) { return; }
    if (event.key === "ArrowRight") { stop(); show(current + 1); }
    if (event.key === "ArrowLeft") { stop(); show(current - 1); }
  });

  controls.hidden = false;
  play.setAttribute("aria-pressed", "false");
  show(0);

  if (!window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: holder, height: 380 });
  fetch(holder.dataset.bpmnUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      canvas = viewer.get("canvas");
      registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      holder.dataset.ready = "true";
      show(current);
    })
    .catch(function (err) { holder.textContent = String(err); });
})();
