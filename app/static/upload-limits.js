// The submission form's size limits, checked in the browser before anything is sent (the server checks again):
// a file over the per-file limit, or files over the total, get a message under their field and block sending.
(function () {
  var form = document.querySelector("form[data-max-file-bytes]");
  if (!form) { return; }
  var maxFile = parseInt(form.dataset.maxFileBytes, 10);
  var maxTotal = parseInt(form.dataset.maxTotalBytes, 10);
  var inputs = form.querySelectorAll("input[type=file]");

  function mb(bytes) { return (bytes / 1048576).toFixed(1).replace(".", ","); }

  function messageFor(input) {
    var id = input.id + "-limita";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "invalid-feedback d-block";
      box.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", box);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + id);
    }
    return box;
  }

  function check() {
    var total = 0, ok = true;
    inputs.forEach(function (input) {
      var problems = [];
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
        if (file.size > maxFile) {
          problems.push(form.dataset.msgFile.replace("{name}", file.name).replace("{size}", mb(file.size)));
        }
      });
      input.dataset.problems = problems.join(" ");
    });
    inputs.forEach(function (input) {
      var text = input.dataset.problems || "";
      if (total > maxTotal && input.files && input.files.length) {
        text = (text + " " + form.dataset.msgTotal.replace("{size}", mb(total))).trim();
      }
      var box = messageFor(input);
      box.textContent = text;
      input.classList.toggle("is-invalid", !!text);
      if (text) { input.setAttribute("aria-invalid", "true"); ok = false; } else { input.removeAttribute("aria-invalid"); }
    });
    return ok;
  }

  inputs.forEach(function (input) { input.addEventListener("change", check); });
  form.addEventListener("submit", function (event) {
    var sender = event.submitter;
    if (sender && sender.value === "ciorna") { return; }  // a draft sends no files
    if (!check()) {
      event.preventDefault();
      var first = form.querySelector("input[type=file].is-invalid");
      if (first) { first.focus(); }
      form.querySelectorAll("button[data-once]").forEach(function (b) { setTimeout(function () { b.disabled = false; }, 10); });
    }
  });
})();
