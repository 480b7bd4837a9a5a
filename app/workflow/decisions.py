"""DMN decision tables called by business-rule tasks (`spiffworkflow:calledDecisionId`). SpiffWorkflow runs them
with the route's script engine, so every input expression, input entry and output entry is a Python expression run
in the sandbox: each is compile-checked here at deployment, like scripts and conditions. A DMN file is untrusted
XML (parsed without DTD, entities or network) and holds one decision with one decision table."""

from pathlib import Path

from app.workflow.engine import UnsafeXml, parse_xml_safely
from app.workflow.script_policy import check_script

# DMN 1.2 and 1.3 (dmn-js writes 1.3); SpiffWorkflow validates each against its XSD.
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
MAX_RULES = 500


def dmn_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(Path(directory).glob("*.dmn"))}


def decision_problems(xml: bytes | str) -> tuple[list[tuple[str, str]], str | None]:
    """((element id, message) pairs, the decision's id). Never raises."""
    data = xml.encode() if isinstance(xml, str) else xml
    try:
        root = parse_xml_safely(data)
    except UnsafeXml as exc:
        return [("", str(exc))], None
    ns = root.nsmap.get(None) or ""
    if root.tag != f"{{{ns}}}definitions" or ns not in DMN_NAMESPACES:
        return [("", "not a DMN 1.2 or 1.3 file (root element dmn:definitions)")], None
    decisions = root.findall(f"{{{ns}}}decision")
    if len(decisions) != 1:
        return [("", f"a DMN file must hold exactly one decision (found {len(decisions)})")], None
    decision = decisions[0]
    decision_id = decision.get("id")
    if not decision_id:
        return [("", "the decision has no id")], None
    tables = decision.findall(f"{{{ns}}}decisionTable")
    if len(tables) != 1:
        return [
            (decision_id, "the decision must be one decision table (no literal expression, no DRD only)")
        ], None
    problems: list[tuple[str, str]] = []
    table = tables[0]
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        problems.append((decision_id, f"unknown hit policy {policy}"))
    inputs = table.findall(f"{{{ns}}}input")
    outputs = table.findall(f"{{{ns}}}output")
    rules = table.findall(f"{{{ns}}}rule")
    if not outputs:
        problems.append((decision_id, "the table has no output column"))
    if len(rules) > MAX_RULES:
        problems.append((decision_id, f"more than {MAX_RULES} rules"))
    for element in inputs + outputs + rules:
        if not element.get("id"):
            problems.append((decision_id, f"a {etree_name(element)} without an id"))
    if problems:
        return problems, decision_id
    for column in inputs:
        text = column.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text")
        if not (text or "").strip():
            problems.append((column.get("id"), "input column without an expression (e.g. a form field name)"))
            continue
        for err in check_script(text, "eval"):
            problems.append((column.get("id"), f"input expression: {err}"))
    for output in outputs:
        if not (output.get("name") or output.get("label")):
            problems.append((output.get("id"), "output column without a name (the variable it sets)"))
    for number, rule in enumerate(rules, start=1):
        entries = rule.findall(f"{{{ns}}}inputEntry")
        results = rule.findall(f"{{{ns}}}outputEntry")
        if len(entries) != len(inputs) or len(results) != len(outputs):
            problems.append((rule.get("id"), f"rule {number} does not have one cell per column"))
            continue
        for entry in entries:
            text = (entry.findtext(f"{{{ns}}}text") or "").strip()
            if text and text != "-":
                for err in _input_entry_errors(text):
                    problems.append((rule.get("id"), f"rule {number}, condition {text!r}: {err}"))
        for entry in results:
            text = (entry.findtext(f"{{{ns}}}text") or "").strip()
            if text:
                for err in check_script(text, "eval"):
                    problems.append((rule.get("id"), f"rule {number}, result {text!r}: {err}"))
    return problems, decision_id


def output_names(decisions) -> set[str]:
    """The variables the decision tables set (their output columns' names)."""
    names = set()
    for xml in decisions:
        try:
            root = parse_xml_safely(xml.encode() if isinstance(xml, str) else xml)
        except UnsafeXml:
            continue
        for output in root.iter("{*}output"):
            name = output.get("name") or output.get("label")
            if name:
                names.add(name.split(".")[0])
    return names


def input_names(xml: bytes | str) -> set[str]:
    """The route variables a decision table's input expressions read (what the route must have set before the
    business-rule task runs)."""
    from app.workflow.checks import _names

    try:
        root = parse_xml_safely(xml.encode() if isinstance(xml, str) else xml)
    except UnsafeXml:
        return set()
    names: set[str] = set()
    for expression in root.iter("{*}inputExpression"):
        text = (expression.findtext("{*}text") or "").strip()
        if text and not check_script(text, "eval"):
            names |= _names(text, "eval")[0]
    return names


def _input_entry_errors(text: str) -> list[str]:
    """SpiffWorkflow compares the input with the cell: `"a"` or `5` (equality), `> 5` or `in ("a", "b")` (the
    input put before it), `4 < ? < 6` (? stands for the input)."""
    if "?" in text:
        return check_script(text.replace("?", "dmninputexpr"), "eval")
    as_value = check_script(text, "eval")
    if not as_value:
        return []
    as_operator = check_script(f"dmninputexpr {text}", "eval")
    return [] if not as_operator else as_value


def etree_name(element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]
