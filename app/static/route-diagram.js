// Draws the document's process version and marks the elements already passed and the current step.
// Markers only: the XML is never modified (and the bpmn.io watermark stays visible, as its licence requires).
(function () {
  var holder = document.getElementById("diagrama");
  if (!holder || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: holder, height: 360 });
  fetch(holder.dataset.bpmnUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      holder.dataset.done.split(" ").filter(Boolean).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "traseu-parcurs"); }
      });
      holder.dataset.current.split(" ").filter(Boolean).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "traseu-curent"); }
      });
    })
    .catch(function (err) { holder.textContent = String(err); });
})();
