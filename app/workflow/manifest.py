"""The document type's manifest (`processes/<code>.manifest.json`): its format, and the checks `flask processes
check` and every deployment run on it. docs/analysts.md describes each field for analysts.

Stored in `document_types` at deployment: code, names, descriptions, process, legal basis, deadline (days, calendar
or working), who may submit, subject and content fields. Kept in the manifest only (no column yet; read them with
`manifest_for(code)`): required attachments, file-plan class and signature level."""

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator

SIGNATURE_LEVELS = ("none", "advanced", "qualified", "qualified_seal")

_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_NAMES = {
    "type": "object",
    "required": ["ro"],
    "properties": {"ro": _TEXT, "en": _TEXT},
    "additionalProperties": False,
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["code", "process_id", "name"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,59}$"},
        "process_id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"},
        "name": _NAMES,
        "description": _NAMES,
        "legal_basis": {"type": "string", "maxLength": 200},
        "deadline": {
            "type": "object",
            "required": ["days"],
            "additionalProperties": False,
            "properties": {
                "days": {"type": "integer", "minimum": 1, "maximum": 3650},
                "working_days": {"type": "boolean"},
                "legal_basis": {"type": "string", "maxLength": 300},
            },
        },
        "who_may_submit": {"enum": ["citizen", "staff"]},
        "subject_field": {"type": "string", "minLength": 1},
        "content_field": {"type": ["string", "null"]},
        "required_attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {"name": _NAMES, "required": {"type": "boolean"}},
            },
        },
        "file_plan": {
            "type": "object",
            "required": ["class", "retention_years"],
            "additionalProperties": False,
            "properties": {
                "class": {"type": "string", "minLength": 1, "maxLength": 40},
                "name": {"type": "string", "maxLength": 200},
                "retention_years": {"oneOf": [{"enum": [1, 3, 5, 10, 30, 50, 100]}, {"const": "permanent"}]},
            },
        },
        "signature_level": {"enum": list(SIGNATURE_LEVELS)},
        # Shown in the portal's catalogue: what the citizen pays and how (the amount is set locally).
        "fee_note": _NAMES,
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


def manifest_problems(manifest: object, submission_fields: set[str] | None = None) -> list[tuple[str, str]]:
    """(field, message) pairs; `submission_fields` (the fields of the route's submission form, when known) lets
    the check tell a subject or content field that the form does not have."""
    if not isinstance(manifest, dict):
        return [("", "the manifest must be a JSON object")]
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            message = f"unknown field(s) {', '.join(extra)}"
        elif error.validator == "required":
            message = error.message.replace("is a required property", "is required")
        elif error.validator == "pattern" and where == "code":
            message = "the code must be lower-case letters, digits and '-' (it appears in URLs)"
        elif error.validator in ("oneOf", "enum") and where.endswith("retention_years"):
            message = 'retention_years must be 1, 3, 5, 10, 30, 50, 100 or "permanent"'
        elif error.validator == "enum" and where == "signature_level":
            message = f"signature_level must be one of {', '.join(SIGNATURE_LEVELS)}"
        else:
            message = error.message
        problems.append((where, message))
    if submission_fields is not None:
        for key in ("subject_field", "content_field"):
            name = manifest.get(key) or ("subiect" if key == "subject_field" else None)
            if isinstance(name, str) and name not in submission_fields:
                problems.append((key, f'the submission form has no field "{name}"'))
    return problems


def manifest_for(code: str, processes_dir: str | Path) -> dict | None:
    """The manifest of a document type (fields not stored in the database: attachments, file plan, signature
    level): its file in processes/, else the one stored with a type created in the browser."""
    if not re.match(r"^[a-z][a-z0-9-]{1,59}$", code or ""):
        return None
    path = Path(processes_dir) / f"{code}.manifest.json"
    if not path.is_file():
        return _stored_manifest(code)
    return json.loads(path.read_text(encoding="utf-8"))


def _stored_manifest(code: str) -> dict | None:
    """The manifest of a type created in the browser, kept with its latest version."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from app.extensions import db
    from app.workflow.models import ProcessVersion

    try:
        manifests = db.session.scalars(
            select(ProcessVersion.manifest).order_by(ProcessVersion.id.desc())
        ).all()
    except RuntimeError:  # outside the application
        return None
    except SQLAlchemyError:  # no schema yet (a check run before `flask db upgrade`)
        db.session.rollback()
        return None
    return next((m for m in manifests if isinstance(m, dict) and m.get("code") == code), None)


def submission_fields(bpmn_xml: str, forms: dict) -> set[str]:
    """Fields of the forms of user tasks in the submitter's lane (the submission form and any later step of the
    submitter)."""
    from app.identity.roles import SUBMITTER_LANE
    from app.workflow.checks import BPMN, SPIFF
    from app.workflow.engine import parse_xml_safely

    tree = parse_xml_safely(bpmn_xml.encode())
    in_lane = {
        ref.text.strip()
        for lane in tree.iter(f"{{{BPMN}}}lane")
        if lane.get("name") == SUBMITTER_LANE
        for ref in lane.iter(f"{{{BPMN}}}flowNodeRef")
        if ref.text
    }
    fields: set[str] = set()
    for task in tree.iter(f"{{{BPMN}}}userTask"):
        if task.get("id") not in in_lane:
            continue
        for prop in task.iter(f"{{{SPIFF}}}property"):
            if prop.get("name") == "formJsonSchemaFilename" and isinstance(
                forms.get(prop.get("value")), dict
            ):
                fields |= set(forms[prop.get("value")].get("properties") or {})
    return fields
