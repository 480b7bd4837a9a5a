"""Checks beyond the deploy checks (app/workflow/checks.py): start events nothing can trigger, and names read where
no path has set them yet; and `flask processes check` on one file.

Reads before any setter are warnings, not errors: a read in one branch of a parallel gateway of what the other
branch sets may be meant (the timer fires after the other step), but the analyst should know the route stops with
an incident when it is not. What "sets" a name: a script assigning it, a form field that is required or has a
default (an optional field may stay unset)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.workflow.checks import _BUILTIN_NAMES, BPMN, SPIFF, _local, _names, _nodes

_UNTRIGGERABLE = {
    "messageEventDefinition": "a message start event: nothing on the platform sends that message, so no document "
    "can start here (use a plain start event)",
    "conditionalEventDefinition": "a conditional start event: nothing evaluates its condition, so no document can "
    "start here (use a plain start event)",
}


def start_event_problems(process) -> list[tuple[str, str]]:
    problems = []
    thrown = {
        d.get("signalRef")
        for d in process.iter(f"{{{BPMN}}}signalEventDefinition")
        if _local(d.getparent()) in ("intermediateThrowEvent", "endEvent")
    }
    for start in process.iter(f"{{{BPMN}}}startEvent"):
        in_event_subprocess = start.getparent().get("triggeredByEvent") == "true"
        for definition in start:
            kind = _local(definition)
            if kind in _UNTRIGGERABLE and not in_event_subprocess:
                problems.append((start.get("id", ""), _UNTRIGGERABLE[kind]))
            if kind == "signalEventDefinition" and definition.get("signalRef") not in thrown:
                problems.append(
                    (start.get("id", ""), "a signal start event whose signal nothing in the route throws")
                )
    return problems


def _set_by_form(schema: dict) -> set[str]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    return {name for name, prop in properties.items() if name in required or "default" in (prop or {})}


def _properties(node) -> dict[str, str]:
    return {
        p.get("name"): p.get("value") for p in node.iter(f"{{{SPIFF}}}property") if p.get("name") is not None
    }


def unset_read_warnings(
    process, forms: dict[str, dict], helper_names: set[str], decision_reads: dict | None = None
) -> list[tuple[str, str]]:
    """Names a script, condition, timer, assignee or decision table's input reads where some path from the start
    has not set them. `decision_reads`: {business-rule task id: (decision id, names its inputs read)}."""
    nodes = {i: n for i, n in _nodes(process).items() if n.getparent() is process}
    preds: dict[str, set[str]] = {i: set() for i in nodes}
    for flow in process.findall(f"{{{BPMN}}}sequenceFlow"):
        if flow.get("targetRef") in preds:
            preds[flow.get("targetRef")].add(flow.get("sourceRef"))
    for node_id, node in nodes.items():
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            preds[node_id].add(node.get("attachedToRef"))
    gen: dict[str, set[str]] = {i: set() for i in nodes}
    reads: dict[str, list[tuple[str, set[str]]]] = {i: [] for i in nodes}
    every_name: set[str] = set()
    for node_id, node in nodes.items():
        local = _local(node)
        properties = _properties(node)
        if local == "userTask":
            form = forms.get(properties.get("formJsonSchemaFilename") or "") or {}
            gen[node_id] |= _set_by_form(form)
            every_name |= set(form.get("properties") or {})
            if properties.get("assignee"):
                reads[node_id].append(("assignee", {properties["assignee"]}))
        for script in node.iter(f"{{{BPMN}}}script"):
            read, written = _names(script.text or "", "exec")
            if local in ("subProcess", "adHocSubProcess"):
                gen[node_id] |= written  # inside an embedded subprocess: counted as set when it ends
                continue
            reads[node_id].append(("script", read - written))
            gen[node_id] |= written
        if node_id in (decision_reads or {}):
            decision_id, names = decision_reads[node_id]
            reads[node_id].append((f"decision table {decision_id} input", set(names)))
        for expression in node.iter(f"{{{BPMN}}}timeDate", f"{{{BPMN}}}timeDuration", f"{{{BPMN}}}timeCycle"):
            reads[node_id].append(("timer", _names((expression.text or "").strip(), "eval")[0]))
        every_name |= gen[node_id]
    for flow in process.findall(f"{{{BPMN}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN}}}conditionExpression")
        if condition is not None and flow.get("sourceRef") in reads:
            reads[flow.get("sourceRef")].append(
                (
                    f"condition towards {flow.get('targetRef')}",
                    _names((condition.text or "").strip(), "eval")[0],
                )
            )
    universe = every_name | {n for entries in reads.values() for _w, names in entries for n in names}
    # Must-analysis: a name is set at a node's entry when every way in has set it (all branches of a parallel
    # join do arrive, so there the ways in are united).
    out = {i: set(universe) for i in nodes}
    starts = [i for i, n in nodes.items() if not preds[i]]
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            incoming = [out[p] for p in preds[node_id] if p in out]
            if node_id in starts or not incoming:
                entry: set[str] = set()
            elif _local(node) == "parallelGateway":
                entry = set().union(*incoming)
            else:
                entry = set.intersection(*incoming)
            new = entry | gen[node_id]
            if new != out[node_id]:
                out[node_id], changed = new, True
    ignored = set(helper_names) | _BUILTIN_NAMES
    warnings = []
    for node_id, entries in reads.items():
        incoming = [out[p] for p in preds[node_id] if p in out]
        if not incoming:
            entry = set()
        elif _local(nodes[node_id]) == "parallelGateway":
            entry = set().union(*incoming)
        else:
            entry = set.intersection(*incoming)
        for where, names in entries:
            for name in sorted(names - entry - ignored):
                if name not in every_name:
                    continue  # a name nothing provides at all is an error of the deploy check
                if where == "assignee":
                    message = f'the assignee variable "{name}" may not be set on every path to this task'
                else:
                    message = f'{where} reads "{name}", which some path reaches this element without setting'
                warnings.append((node_id, message))
    return warnings


def check_path(target: Path, forms_dir: Path):
    """(problems, checked processes, manifests) of a folder, or of one file judged on its own (a manifest with the
    BPMN files beside it)."""
    from app.workflow.deploy import Problem, check_directory

    if target.is_dir():
        return check_directory(target, forms_dir)
    if target.suffix == ".bpmn":
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / target.name
            copy.write_bytes(target.read_bytes())
            for dmn in target.parent.glob("*.dmn"):  # the decision tables it may call, beside it
                (Path(tmp) / dmn.name).write_bytes(dmn.read_bytes())
            return check_directory(Path(tmp), forms_dir)
    if target.suffix == ".dmn":
        from app.workflow.decisions import decision_problems

        found, _decision = decision_problems(target.read_bytes())
        return [Problem(target.name, element, message) for element, message in found], [], []
    if target.name.endswith(".manifest.json"):
        problems, checked, manifests = check_directory(target.parent, forms_dir)
        mine = [m for m in manifests if m.get("_file") == target.name]
        processes = {m.get("process_id") for m in mine}
        sources = {c.source_file for c in checked if c.process_id in processes}
        return (
            [p for p in problems if p.file == target.name or p.file in sources],
            [c for c in checked if c.process_id in processes],
            mine,
        )
    if target.suffix == ".json":
        import json

        from app.forms import check_form_definition

        try:
            schema = json.loads(target.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            return [Problem(target.name, "", f"not valid JSON ({exc})")], [], []
        ui = target.with_name(target.name.removesuffix(".json") + "-uischema.json")
        ui_schema = json.loads(ui.read_text(encoding="utf-8")) if ui.is_file() else None
        return [Problem(target.name, "", m) for m in check_form_definition(schema, ui_schema)], [], []
    return [Problem(target.name, "", "not a .bpmn, .manifest.json or form .json file")], [], []


_PREFIXES = {
    "{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
    "{http://www.omg.org/spec/BPMN/20100524/DI}": "bpmndi:",
    "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiffworkflow:",
}


def located_parser_error(tree, exc) -> tuple[str, str]:
    """(element id, message) of a parser/schema error: the id of the element at the reported line (or its nearest
    ancestor with one), the line, and the message with short namespace prefixes."""
    message = str(exc).split("\n")[0]
    for long, short in _PREFIXES.items():
        message = message.replace(long, short)
    element_id = getattr(exc, "id", "") or ""
    line = getattr(exc, "line_number", None)
    if isinstance(line, int) and line > 0:
        if not element_id:
            at_line = next((e for e in tree.iter() if isinstance(e.tag, str) and e.sourceline == line), None)
            while at_line is not None and not at_line.get("id"):
                at_line = at_line.getparent()
            element_id = at_line.get("id") if at_line is not None else ""
        message = f"line {line}: {message}"
    return element_id, message
