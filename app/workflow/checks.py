"""Checks on a process's XML that the BPMN parser does not make: elements we cannot run, data stores, unreachable
elements, timers that are not ISO 8601, and names a condition or script reads that nothing in the route provides.

Each check returns (element id, plain-language message) pairs; deploy.check_bpmn adds the file name."""

import ast
import builtins
import re

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}
UNSUPPORTED = {
    "serviceTask": "service tasks are not supported yet: use a script task calling a helper",
    "sendTask": "send tasks are not supported yet",
    "receiveTask": "receive tasks are not supported yet",
    "complexGateway": "complex gateways are not supported by the engine",
    "transaction": "transaction subprocesses are not supported yet",
}
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
ISO_CYCLE = re.compile(r"^R\d*/")


def _local(element) -> str:
    if not isinstance(element.tag, str):
        return ""  # comments and processing instructions are not elements
    return etree.QName(element).localname


def _nodes(process) -> dict[str, etree._Element]:
    return {
        el.get("id"): el for el in process.iter(f"{{{BPMN}}}*") if _local(el) in FLOW_NODES and el.get("id")
    }


def structure_problems(process) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for ref in process.iter(f"{{{BPMN}}}dataStoreReference"):
        problems.append(
            (ref.get("id", ""), "data store without an implementation: the engine cannot load it")
        )
    nodes = _nodes(process)
    for node_id, node in nodes.items():
        reason = UNSUPPORTED.get(_local(node))
        if reason:
            problems.append((node_id, reason))
    problems += _unreachable(process, nodes)
    problems += _timer_problems(process)
    return problems


def _unreachable(process, nodes: dict) -> list[tuple[str, str]]:
    edges: dict[str, set[str]] = {}
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        edges.setdefault(flow.get("sourceRef"), set()).add(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if _local(node) == "boundaryEvent":
            edges.setdefault(node.get("attachedToRef"), set()).add(node_id)
        if _local(node) in ("subProcess", "adHocSubProcess", "transaction"):
            # An embedded subprocess reaches its own start events (and event subprocesses inside it).
            for child in node:
                if child.get("id") in nodes and _local(child) == "startEvent":
                    edges.setdefault(node_id, set()).add(child.get("id"))
                if _local(child) == "subProcess" and child.get("triggeredByEvent") == "true":
                    edges.setdefault(node_id, set()).add(child.get("id"))
    starts = [n for n in process if _local(n) == "startEvent"]
    starts += [n for n in process if _local(n) == "subProcess" and n.get("triggeredByEvent") == "true"]
    seen = set()
    stack = [s.get("id") for s in starts]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(edges.get(current, ()))
    return [
        (node_id, "unreachable: no path from a start event leads here")
        for node_id in nodes
        if node_id not in seen
    ]


def _timer_problems(process) -> list[tuple[str, str]]:
    problems = []
    for timer in process.iter(f"{{{BPMN}}}timerEventDefinition"):
        event = timer.getparent()
        for kind in ("timeDuration", "timeDate", "timeCycle"):
            expression = timer.find(f"{{{BPMN}}}{kind}")
            if expression is None:
                continue
            text = (expression.text or "").strip()
            literal = _string_literal(text)
            if literal is None:
                if re.match(r"^(P|R\d*/|\d{4}-)", text):
                    problems.append((event.get("id", ""), f'timer {text!r} must be quoted: "{text}"'))
                continue  # an expression computed from the route's data: checked by the sandbox compile
            pattern = {"timeDuration": ISO_DURATION, "timeDate": ISO_DATETIME}.get(kind)
            valid = ISO_CYCLE.match(literal) if kind == "timeCycle" else pattern.match(literal)
            if not valid:
                problems.append(
                    (event.get("id", ""), f"timer {literal!r} is not an ISO 8601 {kind[4:].lower()}")
                )
    return problems


def _string_literal(text: str) -> str | None:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


# --- data flow -------------------------------------------------------------------------------------------------

_BUILTIN_NAMES = set(dir(builtins))


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """(names read, names assigned) by a script or expression; empty when it does not parse."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set(), set()
    reads, writes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            args = node.args
            writes.update(a.arg for a in args.args + args.kwonlyargs + args.posonlyargs)
        elif isinstance(node, ast.comprehension):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    writes.add(target.id)
    return reads, writes


def data_flow_problems(
    process, form_fields: set[str], helper_names: set[str], decision_reads: dict | None = None
) -> list[tuple[str, str]]:
    """Names that conditions, scripts and decision tables' inputs read but no form, script or helper provides
    (typos, renamed fields). `decision_reads`: {business-rule task id: (decision id, names its inputs read)}."""
    provided = set(form_fields) | set(helper_names) | _BUILTIN_NAMES
    uses: list[tuple[str, str, str]] = [
        (task_id, f"decision table {decision_id} input", " ".join(sorted(names)))
        for task_id, (decision_id, names) in (decision_reads or {}).items()
    ]
    assigned_helpers: list[tuple[str, str]] = []
    for script in process.iter(f"{{{BPMN}}}script"):
        owner = script.getparent()
        reads, writes = _names(script.text or "", "exec")
        provided |= writes
        assigned_helpers += [(owner.get("id", ""), name) for name in sorted(writes & set(helper_names))]
        uses.append((owner.get("id", ""), "script", " ".join(sorted(reads))))
    for tag in ("preScript", "postScript"):
        for script in process.iter(f"{{{SPIFF}}}{tag}"):
            reads, writes = _names(script.text or "", "exec")
            provided |= writes
            owner = script.getparent().getparent()
            uses.append((owner.get("id", ""), tag, " ".join(sorted(reads))))
    for condition in process.iter(f"{{{BPMN}}}conditionExpression"):
        reads, _ = _names((condition.text or "").strip(), "eval")
        flow = condition.getparent()
        uses.append(
            (flow.get("sourceRef", ""), f"condition towards {flow.get('targetRef')}", " ".join(sorted(reads)))
        )
    problems = []
    # Task data may not shadow a helper: the sandbox refuses to run a script that sees both.
    for name in sorted(set(form_fields) & set(helper_names)):
        problems.append(
            (process.get("id", ""), f'form field "{name}" has the name of a helper: rename the field')
        )
    for element_id, name in assigned_helpers:
        problems.append((element_id, f'script assigns "{name}", the name of a helper: use another variable'))
    for element_id, where, names in uses:
        missing = [n for n in names.split() if n not in provided]
        for name in missing:
            problems.append((element_id, f'{where} reads "{name}", which no form, script or helper provides'))
    return problems
