// The bpmn-js modeler for process analysts: load the current version, check it with the deployment checks, deploy
// it as a new version, download it, edit the XML directly (extension properties). The bpmn.io watermark stays
// visible, as its licence requires.
(function () {
  var holder = document.getElementById("modelator");
  if (!holder || !window.BpmnJS) { return; }
  var data = holder.dataset;
  var result = document.getElementById("rezultat");
  var modeler = new window.BpmnJS({ container: holder, keyboard: { bindTo: document } });
  var marked = [];

  function show(kind, title, items) {
    result.textContent = "";
    var box = document.createElement("div");
    box.className = "alert alert-" + kind + " py-2";
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    var heading = document.createElement("p");
    heading.className = "mb-" + (items && items.length ? "1" : "0");
    heading.textContent = title;
    box.appendChild(heading);
    if (items && items.length) {
      var list = document.createElement("ul");
      list.className = "mb-0";
      items.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    result.appendChild(box);
  }

  function markProblems(problems) {
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "problema"); } });
    marked = [];
    (problems || []).forEach(function (p) {
      if (p.element && registry.get(p.element)) { canvas.addMarker(p.element, "problema"); marked.push(p.element); }
    });
  }

  function post(url, xml) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify({ xml: xml })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function currentXml() {
    return modeler.saveXML({ format: true }).then(function (saved) { return saved.xml; });
  }

  function reportProblems(body) {
    markProblems(body.problems);
    show("danger", data.msgProblems, body.problems.map(function (p) { return p.text; }));
  }

  function failed(err) { show("danger", data.msgError + " " + String(err && err.message || err)); }

  document.getElementById("verifica").addEventListener("click", function () {
    currentXml().then(function (xml) { return post(data.checkUrl, xml); }).then(function (r) {
      if (r.body.ok) { markProblems([]); show("success", data.msgOk); } else { reportProblems(r.body); }
    }).catch(failed);
  });

  document.getElementById("implementeaza").addEventListener("click", function () {
    if (!window.confirm(data.msgConfirm)) { return; }
    currentXml().then(function (xml) { return post(data.deployUrl, xml); }).then(function (r) {
      if (r.body.ok) {
        markProblems([]);
        var template = r.body.new ? data.msgDeployed : data.msgUnchanged;
        show("success", template.replace("{n}", r.body.version));
      } else { reportProblems(r.body); }
    }).catch(failed);
  });

  document.getElementById("descarca").addEventListener("click", function () {
    currentXml().then(function (xml) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      link.download = data.fileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }).catch(failed);
  });

  var panel = document.getElementById("panou-xml");
  var toggle = document.getElementById("arata-xml");
  toggle.addEventListener("click", function () {
    var opening = panel.hidden;
    if (opening) {
      currentXml().then(function (xml) { document.getElementById("xml").value = xml; panel.hidden = false; });
    } else { panel.hidden = true; }
    toggle.setAttribute("aria-expanded", String(opening));
  });
  document.getElementById("incarca-xml").addEventListener("click", function () {
    modeler.importXML(document.getElementById("xml").value).then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      show("info", data.msgLoaded);
    }).catch(failed);
  });

  fetch(data.bpmnUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () { modeler.get("canvas").zoom("fit-viewport"); holder.dataset.loaded = "true"; })
    .catch(failed);
})();
