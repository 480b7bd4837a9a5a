"""Scenario coverage: which elements and sequence flows of a route the scenario tests pass through, reported by
`flask processes test` so an analyst sees what no scenario exercises yet.

A flow counts as covered when one scenario passed both its ends (the engine records elements, not flows)."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.workflow.checks import BPMN, FLOW_NODES, _local
from app.workflow.engine import parse_xml_safely


@dataclass
class Coverage:
    process_id: str
    elements: list[str] = field(default_factory=list)
    covered_elements: set[str] = field(default_factory=set)
    flows: list[tuple[str, str, str]] = field(default_factory=list)  # (id, source, target)
    covered_flows: set[str] = field(default_factory=set)

    @property
    def missed_elements(self) -> list[str]:
        return [e for e in self.elements if e not in self.covered_elements]

    @property
    def missed_flows(self) -> list[str]:
        return [f for f, _s, _t in self.flows if f not in self.covered_flows]

    def summary(self) -> str:
        text = (
            f"{len(self.covered_elements)} of {len(self.elements)} elements, "
            f"{len(self.covered_flows)} of {len(self.flows)} flows"
        )
        if self.missed_elements:
            text += f"; elements no scenario passes: {', '.join(self.missed_elements)}"
        return text


def _process(processes_dir: Path, process_id: str):
    for bpmn in sorted(processes_dir.glob("*.bpmn")):
        data = bpmn.read_bytes()
        if not re.search(rb"""id=["']%s["']""" % re.escape(process_id.encode()), data):
            continue
        root = parse_xml_safely(data)
        for process in root.iter(f"{{{BPMN}}}process"):
            if process.get("id") == process_id:
                return process
    return None


def coverage_of(result, processes_dir: Path) -> Coverage | None:
    """The coverage of one scenarios file's result (None when its process cannot be found)."""
    code = result.file.removesuffix(".scenarios.json")
    try:
        manifest = json.loads((processes_dir / f"{code}.manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    process_id = manifest.get("process_id")
    process = _process(processes_dir, str(process_id)) if process_id else None
    if process is None:
        return None
    found = Coverage(process_id)
    for element in process.iter():
        if isinstance(element.tag, str) and _local(element) in FLOW_NODES and element.get("id"):
            found.elements.append(element.get("id"))
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        found.flows.append((flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")))
    for scenario in result.scenarios:
        passed = set(scenario.path)
        found.covered_elements |= passed & set(found.elements)
        for flow_id, source, target in found.flows:
            if source in passed and target in passed:
                found.covered_flows.add(flow_id)
    return found
