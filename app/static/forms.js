// Disable a form's submit button after the first click: a second tap on a slow phone must not submit twice
// (the server also refuses a repeated submission key).
document.querySelectorAll("form").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[data-once]").forEach(function (button) {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });
});
