// Two versions of a route side by side; added, removed and changed elements marked (markers only: the XML is never
// modified, and the bpmn.io watermark stays visible as its licence requires).
(function () {
  if (!window.BpmnJS) { return; }
  ["diagrama-a", "diagrama-b"].forEach(function (id) {
    var holder = document.getElementById(id);
    if (!holder) { return; }
    var viewer = new window.BpmnJS({ container: holder, height: 420 });
    fetch(holder.dataset.bpmnUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        ["added", "removed", "changed"].forEach(function (kind) {
          (holder.dataset[kind] || "").split(" ").filter(Boolean).forEach(function (elementId) {
            if (registry.get(elementId)) { canvas.addMarker(elementId, "versiune-" + kind); }
          });
        });
      })
      .catch(function (err) { holder.textContent = String(err); });
  });
})();
