"""Checking and deploying a route edited in the browser: the same checks as `flask processes check`, against the
forms of the current version (what the analyst is editing), then a new process version."""

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import canonicalize

from flask import current_app
from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Role
from app.registry.models import DocumentType
from app.workflow.deploy import MODELER_SOURCE, CheckedProcess, Problem, check_bpmn, store_version
from app.workflow.engine import parse_xml_safely
from app.workflow.manifest import manifest_for, manifest_problems, submission_fields
from app.workflow.models import ProcessVersion


@dataclass
class Outcome:
    problems: list[Problem]
    version: ProcessVersion | None = None
    new: bool = False


class DeployRefused(Exception):
    """A check or scenario failed: the view's unit of work rolls back and shows `problems`."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def deployed(outcome: Outcome) -> Outcome:
    """The outcome of a deploy that stored (or kept) a version; raises DeployRefused if it found problems."""
    if outcome.problems:
        raise DeployRefused(outcome.problems)
    return outcome


def file_name(version: ProcessVersion) -> str:
    return version.source_file.removeprefix(MODELER_SOURCE)


def _forms_dir(tmp: Path, version: ProcessVersion, overrides: dict[str, object]) -> Path:
    """forms/ on disk, overlaid with the current version's snapshot (earlier browser edits), overlaid with the
    forms being edited."""
    for path in Path(current_app.config["FORMS_DIR"]).glob("*.json"):
        (tmp / path.name).write_bytes(path.read_bytes())
    for name, data in {**version.forms, **overrides}.items():
        if "/" in name or "\\" in name or name.startswith("."):
            continue
        (tmp / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return tmp


def decisions_for(version: ProcessVersion, edited: dict | None = None) -> dict:
    """The DMN files a diagram may call: the shipped ones in processes/, the version's, the ones edited now."""
    from app.workflow.decisions import dmn_files

    return {
        **dmn_files(Path(current_app.config["PROCESSES_DIR"])),
        **(version.decisions or {}),
        **(edited or {}),
    }


def manifest_of(version: ProcessVersion, doc_type: DocumentType) -> dict:
    return (
        version.manifest
        or manifest_for(doc_type.code, current_app.config["PROCESSES_DIR"])
        or {
            "code": doc_type.code,
            "process_id": doc_type.process_id,
            "name": {"ro": doc_type.name_ro},
            "subject_field": doc_type.subject_field,
            "content_field": doc_type.content_field,
        }
    )


def check(
    version: ProcessVersion, xml: bytes, form_overrides: dict | None = None, decisions: dict | None = None
) -> tuple[list[Problem], CheckedProcess | None]:
    filename = file_name(version)
    with tempfile.TemporaryDirectory() as tmp:
        forms_dir = _forms_dir(Path(tmp), version, form_overrides or {})
        roles = {r.code for r in db.session.scalars(select(Role))}
        problems, checked = check_bpmn(filename, xml, forms_dir, roles, decisions_for(version, decisions))
    if problems:
        return problems, None
    mine = [c for c in checked if c.process_id == version.process_id]
    if not mine:
        return [Problem(filename, "", f'the diagram must keep the process id "{version.process_id}"')], None
    others = [c.process_id for c in checked if c.process_id != version.process_id]
    if others:
        return [Problem(filename, others[0], "the diagram may hold only the process it edits")], None
    result = mine[0]
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.process_id == version.process_id))
    if doc_type is not None:
        manifest = manifest_of(version, doc_type)
        fields = submission_fields(result.bpmn_xml, result.forms)
        for field, message in manifest_problems(manifest, fields):
            problems.append(Problem(f"{doc_type.code}.manifest.json", field, message))
    return problems, (None if problems else result)


_DI = "http://www.omg.org/spec/BPMN/20100524/DI"


def _canonical(xml: bytes) -> tuple[str, list[str]]:
    """The diagram without what a modeler changes on its own when it saves: comments, whitespace, namespace
    prefixes, attribute order, the order of the drawing's shapes and the gateways' isMarkerVisible."""
    root = parse_xml_safely(xml)
    for comment in list(root.iter(etree.Comment)):
        comment.getparent().remove(comment)
    drawing: list[str] = []
    for diagram in root.findall(f"{{{_DI}}}BPMNDiagram"):
        for plane in diagram:
            for shape in plane:
                shape.attrib.pop("isMarkerVisible", None)
                drawing.append(
                    canonicalize(etree.tostring(shape).decode(), strip_text=True, rewrite_prefixes=True)
                )
        root.remove(diagram)
    return canonicalize(etree.tostring(root).decode(), strip_text=True, rewrite_prefixes=True), sorted(
        drawing
    )


def same_diagram(a: bytes, b: bytes) -> bool:
    return _canonical(a) == _canonical(b)


def offer_at(institution_id: int, process_id: str, manifest: dict | None = None) -> None:
    """A type an institution deploys its own route for is offered there (the file-plan class of its manifest
    prefilled); one its administrator disabled stays disabled."""
    from app.identity.models import Institution
    from app.registry.catalogue import InstitutionDocumentType, enable

    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.process_id == process_id))
    if doc_type is None:
        return
    known = db.session.scalar(
        select(InstitutionDocumentType.id).where(
            InstitutionDocumentType.institution_id == institution_id,
            InstitutionDocumentType.document_type_id == doc_type.id,
        )
    )
    if known is None:
        manifest = manifest or manifest_for(doc_type.code, current_app.config["PROCESSES_DIR"]) or {}
        plan = manifest.get("file_plan") or {}
        enable(db.session.get(Institution, institution_id), doc_type, file_code=str(plan.get("class", "")))


def _scenarios(version: ProcessVersion, checked: CheckedProcess) -> list[Problem]:
    """The document type's scenario tests, run on the diagram about to be deployed (the deploy gate)."""
    from app.workflow.gates import scenario_problems_for

    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.process_id == version.process_id))
    if doc_type is None:
        return []
    return scenario_problems_for(
        file_name(version),
        checked.bpmn_xml.encode(),
        doc_type.code,
        Path(current_app.config["PROCESSES_DIR"]),
        {**version.forms, **checked.forms},
        Path(current_app.config["FORMS_DIR"]),
        checked.decisions,
        (version.manifest, version.scenarios) if version.manifest and version.scenarios else None,
    )


def deploy(
    version: ProcessVersion,
    xml: bytes,
    form_overrides: dict | None = None,
    institution_id: int | None = None,
    actor=None,
    decisions: dict | None = None,
) -> Outcome:
    """Check, then store as a new version (the caller commits). A diagram the modeler only re-serialized (same
    process, same drawing) and unchanged forms change nothing."""
    problems, checked = check(version, xml, form_overrides, decisions)
    if problems:
        return Outcome(problems)
    problems = _scenarios(version, checked)
    if problems:
        return Outcome(problems)
    unchanged_forms = all(version.forms.get(name) == data for name, data in (form_overrides or {}).items())
    unchanged_decisions = checked.decisions == (version.decisions or {})
    if unchanged_forms and unchanged_decisions and same_diagram(xml, version.bpmn_xml.encode()):
        return Outcome([], version, new=False)
    checked.source_file = MODELER_SOURCE + file_name(version)
    known = {
        v.id
        for v in db.session.scalars(
            select(ProcessVersion).where(ProcessVersion.process_id == version.process_id)
        )
    }
    # The analyst's institution owns what they deploy (the platform administrator: a template).
    stored = store_version(checked, institution_id, actor)
    if stored.manifest is None and version.manifest is not None:  # a type created in the browser
        stored.manifest, stored.scenarios = version.manifest, version.scenarios
    db.session.flush()
    if institution_id is not None:
        offer_at(institution_id, version.process_id, version.manifest)
    return Outcome([], stored, new=stored.id not in known)
