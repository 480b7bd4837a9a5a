// Decision tables (DMN) edited beside the diagram with dmn-js: the analyst opens a table the route may call (or
// starts a new one), edits it in the table view, and the tables opened on the page travel with the diagram when
// it is checked or deployed. The bpmn.io watermark stays visible, as its licence requires.
import DmnModeler from "dmn-js/lib/Modeler";
import { translateModule } from "./translate-ro.js";

var NAME = /^[a-z0-9][a-z0-9-]{0,80}\.dmn$/;

function starterXml(id, name) {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="def_' + id + '" name="' + name +
    '" namespace="http://registratura.example/dmn">\n' +
    '  <decision id="' + id + '" name="' + name + '">\n' +
    '    <decisionTable id="tabel_' + id + '" hitPolicy="FIRST">\n' +
    '      <input id="intrare_1" label="Intrare"><inputExpression id="expresie_1" typeRef="string"><text>camp_formular</text></inputExpression></input>\n' +
    '      <output id="iesire_1" label="Rezultat" name="rezultat" typeRef="string" />\n' +
    '      <rule id="regula_1"><inputEntry id="regula_1_in"><text>-</text></inputEntry>' +
    '<outputEntry id="regula_1_out"><text>""</text></outputEntry></rule>\n' +
    '    </decisionTable>\n  </decision>\n</definitions>\n';
}

export function DecisionTables(panel, text) {
  var files = {};   // name -> XML once opened on the page (only those are sent)
  var ids = {};     // name -> decision id
  var current = null;
  var modeler = null;
  if (!panel) {
    this.decisionIds = function () { return []; };
    this.collect = function () { return Promise.resolve({}); };
    return;
  }
  var select = panel.querySelector("#decizie-fisier");
  var status = panel.querySelector("#decizie-stare");
  JSON.parse(panel.dataset.decisions || "[]").forEach(function (d) { ids[d.name] = d.id; });

  function say(message) { status.textContent = message; }

  function editor() {
    if (!modeler) {
      modeler = new DmnModeler({
        container: panel.querySelector("#decizie-editor"),
        common: { additionalModules: [translateModule], keyboard: { bind: false } },
      });
      window.registraturaDecisions = modeler; // for the browser test
    }
    return modeler;
  }

  function save() {
    if (!current || !modeler) { return Promise.resolve(); }
    var name = current;
    return modeler.saveXML({ format: true }).then(function (saved) {
      files[name] = saved.xml;
      var found = /<decision\s[^>]*id="([^"]+)"/.exec(saved.xml);
      if (found) { ids[name] = found[1]; }
    });
  }

  function show(name, xml) {
    var dmn = editor();
    return dmn.importXML(xml).then(function () {
      var table = dmn.getViews().find(function (v) { return v.type === "decisionTable"; });
      if (table) { return dmn.open(table); }
    }).then(function () {
      current = name;
      panel.dataset.open = name;
      say(text.decisionOpened.replace("{name}", name));
    });
  }

  function open(name) {
    return save().then(function () {
      if (files[name]) { return show(name, files[name]); }
      return fetch(panel.dataset.url.replace("__name__", encodeURIComponent(name)), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status + " " + name); }
          return response.text();
        })
        .then(function (xml) { files[name] = xml; return show(name, xml); });
    }).catch(function (err) { say(String(err && err.message || err)); });
  }

  function addOption(name) {
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === name; })) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    }
    select.value = name;
  }

  panel.querySelector("#decizie-deschide").addEventListener("click", function () {
    if (select.value) { open(select.value); }
  });
  panel.querySelector("#decizie-noua-adauga").addEventListener("click", function () {
    var field = panel.querySelector("#decizie-noua-nume");
    var name = field.value.trim();
    if (!NAME.test(name)) { say(text.decisionBadName); field.focus(); return; }
    var id = name.replace(/\.dmn$/, "").replace(/-/g, "_");
    save().then(function () {
      files[name] = starterXml(id, name.replace(/\.dmn$/, ""));
      ids[name] = id;
      addOption(name);
      return show(name, files[name]);
    }).catch(function (err) { say(String(err && err.message || err)); });
  });

  this.decisionIds = function () {
    return Object.keys(ids).map(function (n) { return ids[n]; }).filter(Boolean).sort();
  };
  this.collect = function () { return save().then(function () { return Object.assign({}, files); }); };
}
