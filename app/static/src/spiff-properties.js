// The properties panel group for what our routes read from a diagram (docs/analysts.md): a user task's form files,
// instructions, assignee and signature role; a script; a sequence flow's condition; a timer. Built on
// bpmn-js-properties-panel's entries, so undo/redo and the XML stay consistent.
import { h } from "@bpmn-io/properties-panel/preact";
import {
  SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const SPIFF_PROPERTIES = [
  ["formJsonSchemaFilename", "form"],
  ["formUiSchemaFilename", "uiForm"],
  ["assignee", "assignee"],
  ["signatureRole", "signatureRole"],
];

function extensionOf(bo, type) {
  const ext = bo.get("extensionElements");
  return ext ? (ext.get("values") || []).find((v) => is(v, type)) : undefined;
}

function readProperty(element, name) {
  const props = extensionOf(getBusinessObject(element), "spiffworkflow:Properties");
  const found = props && (props.get("properties") || []).find((p) => p.name === name);
  return found ? found.value || "" : "";
}

// Creates extensionElements / spiffworkflow:properties on demand; an empty value removes the property.
function writeProperty(element, name, value, bpmnFactory, moddle, commandStack) {
  const bo = getBusinessObject(element);
  const commands = [];
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
  }
  let props = (ext.get("values") || []).find((v) => is(v, "spiffworkflow:Properties"));
  if (!props) {
    props = moddle.create("spiffworkflow:Properties", { properties: [] });
    props.$parent = ext;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: ext, properties: { values: [...(ext.get("values") || []), props] } } });
  }
  const others = (props.get("properties") || []).filter((p) => p.name !== name);
  const list = value ? [...others, moddle.create("spiffworkflow:Property", { name, value })] : others;
  list.forEach((p) => { p.$parent = props; });
  commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: props, properties: { properties: list } } });
  commandStack.execute("properties-panel.multi-command-executor", commands);
}

function PropertyEntry(props) {
  const { element, id, name, label, description, options } = props;
  const services = {
    bpmnFactory: useService("bpmnFactory"), moddle: useService("moddle"),
    commandStack: useService("commandStack"), debounce: useService("debounceInput"),
  };
  const getValue = () => readProperty(element, name);
  const setValue = (value) => writeProperty(element, name, value, services.bpmnFactory, services.moddle, services.commandStack);
  if (options) {
    return h(SelectEntry, { element, id, label, description, getValue, setValue,
      getOptions: () => [{ value: "", label: "—" }, ...options.map((o) => ({ value: o, label: o }))] });
  }
  return h(TextFieldEntry, { element, id, label, description, getValue, setValue, debounce: services.debounce });
}

// A business-rule task names the decision table it runs (spiffworkflow:calledDecisionId).
function DecisionEntry({ element, id, label, description, decisions }) {
  const moddle = useService("moddle");
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const bo = getBusinessObject(element);
  const getValue = () => { const d = extensionOf(bo, "spiffworkflow:CalledDecisionId"); return d ? d.text || "" : ""; };
  const setValue = (value) => {
    const commands = [];
    let ext = bo.get("extensionElements");
    if (!ext) {
      ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
    }
    const others = (ext.get("values") || []).filter((v) => !is(v, "spiffworkflow:CalledDecisionId"));
    const values = value ? [...others, Object.assign(moddle.create("spiffworkflow:CalledDecisionId", { text: value }), { $parent: ext })] : others;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: ext, properties: { values } } });
    commandStack.execute("properties-panel.multi-command-executor", commands);
  };
  const ids = decisions();
  const current = getValue();
  const all = current && ids.indexOf(current) < 0 ? [current, ...ids] : ids;
  return h(SelectEntry, { element, id, label, description, getValue, setValue,
    getOptions: () => [{ value: "", label: "—" }, ...all.map((d) => ({ value: d, label: d }))] });
}

function InstructionsEntry({ element, id, label }) {
  const moddle = useService("moddle");
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  const bo = getBusinessObject(element);
  const getValue = () => { const i = extensionOf(bo, "spiffworkflow:InstructionsForEndUser"); return i ? i.text || "" : ""; };
  const setValue = (value) => {
    const commands = [];
    let ext = bo.get("extensionElements");
    if (!ext) {
      ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
    }
    const others = (ext.get("values") || []).filter((v) => !is(v, "spiffworkflow:InstructionsForEndUser"));
    const values = value ? [...others, Object.assign(moddle.create("spiffworkflow:InstructionsForEndUser", { text: value }), { $parent: ext })] : others;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: ext, properties: { values } } });
    commandStack.execute("properties-panel.multi-command-executor", commands);
  };
  return h(TextAreaEntry, { element, id, label, getValue, setValue, debounce, rows: 3 });
}

function ScriptEntry({ element, id, label, description }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, { element, id, label, description, debounce, rows: 5, monospace: true,
    getValue: () => bo.get("script") || "",
    setValue: (value) => modeling.updateProperties(element, { scriptFormat: bo.get("scriptFormat") || undefined, script: value || undefined }) });
}

function ConditionEntry({ element, id, label, description }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, { element, id, label, description, debounce, rows: 2, monospace: true,
    getValue: () => (bo.get("conditionExpression") ? bo.get("conditionExpression").get("body") || "" : ""),
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined }) });
}

const TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

function timerOf(element) {
  const bo = getBusinessObject(element);
  return (bo.get("eventDefinitions") || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
}

function TimerEntry({ element, id, label, description, translate }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const timer = timerOf(element);
  const kind = TIMER_KINDS.find((k) => timer.get(k)) || "timeDuration";
  return [
    h(SelectEntry, { element, id: id + "-kind", label: translate.kind,
      getOptions: () => [
        { value: "timeDate", label: translate.timeDate },
        { value: "timeDuration", label: translate.timeDuration },
        { value: "timeCycle", label: translate.timeCycle }],
      getValue: () => kind,
      setValue: (value) => {
        const body = timer.get(kind) ? timer.get(kind).get("body") : "";
        const props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
        props[value] = bpmnFactory.create("bpmn:FormalExpression", { body });
        modeling.updateModdleProperties(element, timer, props);
      } }),
    h(TextFieldEntry, { element, id, label, description, debounce,
      getValue: () => (timer.get(kind) ? timer.get(kind).get("body") || "" : ""),
      setValue: (value) => modeling.updateModdleProperties(element, timer, {
        [kind]: bpmnFactory.create("bpmn:FormalExpression", { body: value || "" }) }) }),
  ];
}

// `text` holds the page's translated labels (data-* attributes), `forms` the form files the process may use.
// `decisions` returns the decision ids of the DMN files open on the page.
export default function SpiffPropertiesProvider(propertiesPanel, text, forms, decisions) {
  this.getGroups = function (element) {
    return function (groups) {
      const entries = [];
      const field = (suffix, component, extra, edited) =>
        entries.push({ id: "spiff-" + suffix, element, component: (p) => component({ ...p, ...extra }), isEdited: edited });
      if (is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
        SPIFF_PROPERTIES.forEach(([name, key]) => {
          const options = name.startsWith("form") ? forms : undefined;
          field(name, PropertyEntry, { name, label: text[key], description: text[key + "Help"], options },
            options ? isSelectEntryEdited : isTextFieldEntryEdited);
        });
        field("instructions", InstructionsEntry, { label: text.instructions }, isTextAreaEntryEdited);
      }
      if (is(element, "bpmn:BusinessRuleTask")) {
        field("decision", DecisionEntry, { label: text.decision, description: text.decisionHelp, decisions },
          isSelectEntryEdited);
      }
      if (is(element, "bpmn:ScriptTask")) {
        field("script", ScriptEntry, { label: text.script, description: text.scriptHelp }, isTextAreaEntryEdited);
      }
      if (is(element, "bpmn:SequenceFlow") && element.source &&
          (is(element.source, "bpmn:ExclusiveGateway") || is(element.source, "bpmn:InclusiveGateway"))) {
        field("condition", ConditionEntry, { label: text.condition, description: text.conditionHelp }, isTextAreaEntryEdited);
      }
      if (is(element, "bpmn:Event") && timerOf(element)) {
        field("timer", (p) => h("div", null, TimerEntry(p)),
          { label: text.timer, description: text.timerHelp, translate: text }, isTextFieldEntryEdited);
      }
      if (entries.length) {
        groups.splice(1, 0, { id: "registratura", label: text.group, entries, shouldOpen: true });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(500, this);
}
SpiffPropertiesProvider.$inject = ["propertiesPanel", "config.spiffText", "config.spiffForms", "config.spiffDecisions"];
