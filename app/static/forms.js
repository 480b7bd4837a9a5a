// Disable a form's submit button after the first click: a second tap on a slow phone must not submit twice
// (the server also refuses a repeated submission key).
document.querySelectorAll("form").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[data-once]").forEach(function (button) {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });
});

// A form sent back with errors: move the focus to its error summary, so a screen reader announces it and
// the links in it lead to each field.
(function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }
})();
