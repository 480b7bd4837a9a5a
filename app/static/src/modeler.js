// The bpmn-js modeler for process analysts: load the current version, edit it (diagram + properties panel for
// forms, assignees, scripts, conditions and timers), check it with the deployment checks, deploy it as a new
// version, download it, or edit the XML directly. The bpmn.io watermark stays visible, as its licence requires.
// Bundled by esbuild at set-up (`npm run build`) from the npm packages; nothing third-party is committed.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import SpiffPropertiesProvider from "./spiff-properties.js";
import spiffModdle from "./spiffworkflow-moddle.json";
import { translateModule } from "./translate-ro.js";
import { DecisionTables } from "./decisions.js";

(function () {
  var holder = document.getElementById("modelator");
  if (!holder) { return; }
  var data = holder.dataset;
  var result = document.getElementById("rezultat");
  var text = JSON.parse(document.getElementById("texte-proprietati").textContent);
  // The properties panel offers these file names; forms drafted on this page join them and travel with the diagram.
  var formFiles = JSON.parse(data.forms || "[]");
  var newForms = {};
  // A new document type: the starter route, forms, manifest and scenarios come with the page.
  var starterNode = document.getElementById("tip-nou-start");
  var starter = starterNode ? JSON.parse(starterNode.textContent) : null;
  if (starter) {
    Object.keys(starter.forms).forEach(function (name) {
      newForms[name] = starter.forms[name];
      if (formFiles.indexOf(name) < 0) { formFiles.push(name); }
    });
    formFiles.sort();
    document.getElementById("manifest").value = JSON.stringify(starter.manifest, null, 2);
    document.getElementById("scenarii").value = JSON.stringify(starter.scenarios, null, 2);
  }
  var tables = new DecisionTables(document.getElementById("decizii-panou"), text);
  var modeler = new BpmnModeler({
    container: holder,
    keyboard: { bind: true }, // diagram-js binds to the canvas (keyboard.bindTo is no longer supported)
    propertiesPanel: { parent: "#proprietati" },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      translateModule,
      { __init__: ["spiffPropertiesProvider"], spiffPropertiesProvider: ["type", SpiffPropertiesProvider] },
    ],
    moddleExtensions: { spiffworkflow: spiffModdle },
    spiffText: text,
    spiffForms: formFiles,
    spiffDecisions: function () { return tables.decisionIds(); },
  });
  window.registraturaModeler = modeler; // for the browser test
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

  // Warnings (reads some path reaches unset, assignees that may be unset) do not stop a deployment: shown in
  // amber, the elements outlined the same way.
  var warned = [];
  function markWarnings(warnings) {
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    warned.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "avertisment"); } });
    warned = [];
    (warnings || []).forEach(function (w) {
      if (w.element && registry.get(w.element)) { canvas.addMarker(w.element, "avertisment"); warned.push(w.element); }
    });
  }

  function jsonOf(id) {
    var field = document.getElementById(id);
    try { return JSON.parse(field.value); } catch (err) {
      throw new Error(field.labels && field.labels[0] ? field.labels[0].textContent + ": " + err.message : err.message);
    }
  }

  function post(url, xml) {
    return tables.collect().then(function (decisions) {
      var payload = { xml: xml, forms: newForms, decisions: decisions };
      if (starter) { payload.manifest = jsonOf("manifest"); payload.scenarios = jsonOf("scenarii"); }
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
        body: JSON.stringify(payload)
      });
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
      markWarnings(r.body.warnings);
      if (r.body.ok && r.body.warnings) {
        markProblems([]);
        show("warning", data.msgWarnings, r.body.warnings.map(function (w) { return w.text; }));
      } else if (r.body.ok) { markProblems([]); show("success", data.msgOk); } else { reportProblems(r.body); }
    }).catch(failed);
  });

  // Scenario coverage: elements no scenario passes through are outlined; the summary names them.
  var uncovered = [];
  var coverageButton = document.getElementById("acoperire");
  if (coverageButton) {
    coverageButton.addEventListener("click", function () {
      currentXml().then(function (xml) { return post(data.coverageUrl, xml); }).then(function (r) {
        var canvas = modeler.get("canvas");
        var registry = modeler.get("elementRegistry");
        uncovered.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "neacoperit"); } });
        uncovered = [];
        if (!r.body.ok) { show("warning", data.msgNoScenarios); return; }
        (r.body.missed || []).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "neacoperit"); uncovered.push(id); }
        });
        show(r.body.missed.length ? "warning" : "success", data.msgCoverage, [r.body.summary]);
      }).catch(failed);
    });
  }

  document.getElementById("implementeaza").addEventListener("click", function () {
    if (!window.confirm(data.msgConfirm)) { return; }
    currentXml().then(function (xml) { return post(data.deployUrl, xml); }).then(function (r) {
      if (r.body.ok) {
        markProblems([]);
        if (r.body.url) { window.location.assign(r.body.url); return; }
        var template = r.body.new ? data.msgDeployed : data.msgUnchanged;
        show("success", template.replace("{n}", r.body.version));
        // The badge follows the deploy: the page now shows the version that is current.
        var badge = document.getElementById("versiune-curenta");
        if (badge) { badge.textContent = "v" + r.body.version; }
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

  document.getElementById("formular-nou-adauga").addEventListener("click", function () {
    var name = document.getElementById("formular-nou-nume").value.trim();
    var body;
    try {
      if (!/^[a-z0-9][a-z0-9-]*\.json$/.test(name)) { throw new Error(document.getElementById("formular-nou-nume").placeholder); }
      body = JSON.parse(document.getElementById("formular-nou-continut").value);
      if (!body || typeof body !== "object" || Array.isArray(body)) { throw new Error("{}"); }
    } catch (err) {
      show("danger", data.msgFormInvalid, [String(err && err.message || err)]);
      return;
    }
    newForms[name] = body;
    if (formFiles.indexOf(name) < 0) { formFiles.push(name); formFiles.sort(); }
    var list = document.getElementById("formulare-noi");
    var item = Array.prototype.find.call(list.children, function (li) { return li.dataset.name === name; });
    if (!item) { item = document.createElement("li"); item.dataset.name = name; list.appendChild(item); }
    item.textContent = name;
    show("info", data.msgFormAdded.replace("{name}", name));
  });

  var loading = starter ? Promise.resolve(starter.xml) : fetch(data.bpmnUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); });
  loading
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () { modeler.get("canvas").zoom("fit-viewport"); holder.dataset.loaded = "true"; })
    .catch(failed);
})();
