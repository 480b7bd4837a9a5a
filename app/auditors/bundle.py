"""The audit bundle of one document: a zip with the evidence an outside reviewer needs.

    document.json          the document, its steps, its audit entries (with hashes), replay and chain results
    raport-audit.pdf       the same, readable
    traseu/<id>-v<n>.bpmn  the exact process version it ran on, and traseu/formulare/*.json its forms
    fisiere/...            the document's files, read back from the store (each read re-checks its sha256)
    manifest.sha256        sha256 of every file above (`sha256sum -c manifest.sha256`)
    manifest.sha256.p7s    the institution's e-seal over the manifest, when a sealer is configured

Sealing: `AUDIT_SEALER` in the app config, a callable `(manifest: bytes, institution) -> (signature_der: bytes,
description: str)` producing a detached CMS/CAdES signature; or the signing package's
`app.signing.seal.seal_detached` (the institution's e-seal, CAdES-T). Without a registered e-seal the bundle is unsealed and says
so (the manifest still makes any change inside the zip evident against a copy of the manifest kept elsewhere)."""

import hashlib
import io
import json
import re
import zipfile

from flask import current_app
from sqlalchemy import select

from app.audit.anchoring import latest_checkpoint, token_in_store, verify_token
from app.audit.chain import compute_hash, verify_chain
from app.audit.models import AuditEntry
from app.auditors.path import current_state, document_steps
from app.auditors.replay import replay_document
from app.auditors.report import render_report
from app.dates import format_datetime, now_utc
from app.extensions import db
from app.registry.models import Document
from app.storage import current_store

FORMAT = "registratura-audit-bundle/1"


def _safe_name(name: str) -> str:
    name = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._")
    return name or "fisier"


def sealer():
    hook = current_app.config.get("AUDIT_SEALER")
    if hook is not None:
        return hook
    try:
        from app.signing.seal import seal_detached  # type: ignore[import-not-found]
    except ImportError:
        return None
    return seal_detached


def document_entries(document: Document) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.document_id == document.id).order_by(AuditEntry.seq)
        )
    )


def entry_json(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": format_datetime(entry.at),
        "at_utc": entry.at.isoformat(),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "on_behalf_of": entry.on_behalf_of,
        "institution_id": entry.institution_id,
        "document_id": entry.document_id,
        "bpmn_id": entry.bpmn_id,
        "target": entry.target,
        "data": entry.data,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "hash_ok": compute_hash(entry) == entry.hash,
    }


def bundle_data(document: Document, generated_by: str | None) -> dict:
    state = current_state(document)
    chain = verify_chain(verify_token, token_in_store)
    checkpoint = latest_checkpoint()
    return {
        "format": FORMAT,
        "generated_at": format_datetime(now_utc()),
        "generated_by": generated_by,
        "document": {
            "id": document.public_id,
            "registration_label": document.registration_label or None,
            "subject": document.subject,
            "document_type": document.document_type.name_ro,
            "institution": document.institution.name,
            "department": document.department.name if document.department else None,
            "sender_name": document.sender_name,
            "status": document.status,
            "registered_at": format_datetime(document.registered_at) or None,
            "deadline_at": format_datetime(document.deadline_at) or None,
            "closed_at": format_datetime(document.closed_at) or None,
        },
        "process_version": state["version"],
        "current_state": state,
        "steps": [s.as_json() for s in document_steps(document)],
        "audit_entries": [entry_json(e) for e in document_entries(document)],
        "replay": replay_document(document).as_dict(),
        "chain": {
            "ok": chain.ok,
            "summary": chain.summary(),
            "head_seq": chain.head_seq,
            "head_hash": chain.head_hash,
            "latest_checkpoint": {
                "seq": checkpoint.seq,
                "head_hash": checkpoint.head_hash,
                "at": format_datetime(checkpoint.at),
                "timestamp_authority": checkpoint.timestamp_authority,
                "timestamped": checkpoint.timestamp_token is not None,
            }
            if checkpoint
            else None,
        },
        "files": [],
        "seal": {},
    }


# Checks that refuse a bundle before it is built, registered by the packages above (the archive: destroyed files).
EXPORT_CHECKS: list = []


def build_bundle(document: Document, generated_by: str | None = None) -> tuple[bytes, dict]:
    """The zip's bytes and its document.json content. `Gone` (from a check below) when a disposal destroyed its
    files."""
    for check in EXPORT_CHECKS:
        check(document)
    data = bundle_data(document, generated_by)
    instance_version = data["process_version"]
    members: dict[str, bytes] = {}
    store = current_store()
    for number, attachment in enumerate(document.attachments, start=1):
        path = f"fisiere/{number:02d}-{_safe_name(attachment.filename)}"
        members[path] = store.get(attachment.sha256)
        data["files"].append(
            {
                "path": path,
                "filename": attachment.filename,
                "kind": attachment.kind,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "added": format_datetime(attachment.created_at),
            }
        )
    if instance_version:
        from app.workflow.models import WorkflowInstance

        instance = db.session.scalar(
            select(WorkflowInstance).where(WorkflowInstance.document_id == document.id)
        )
        version = instance.process_version
        members[f"traseu/{_safe_name(version.process_id)}-v{version.version}.bpmn"] = (
            version.bpmn_xml.encode()
        )
        for name, form in sorted((version.forms or {}).items()):
            members[f"traseu/formulare/{_safe_name(name)}"] = json.dumps(
                form, ensure_ascii=False, indent=2
            ).encode()
    seal = sealer()
    data["seal"] = {
        "sealed": seal is not None,
        "description": "pachet sigilat cu sigiliul electronic al instituției (manifest.sha256.p7s)"
        if seal
        else "nesigilat: nu este configurat un sigiliu electronic; integritatea se verifică prin manifest.sha256",
    }

    def pack() -> bytes:
        members["document.json"] = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        members["raport-audit.pdf"] = render_report(data, current_app.config["FONT_DIR"])
        members.pop("manifest.sha256", None)
        manifest = "".join(
            f"{hashlib.sha256(content).hexdigest()}  {path}\n" for path, content in sorted(members.items())
        ).encode()
        members["manifest.sha256"] = manifest
        return manifest

    manifest = pack()
    if seal is not None:
        try:
            signature, description = seal(manifest, document.institution)
        # For example no registered e-seal: export unsealed, and say why in the bundle itself.
        except Exception as exc:
            current_app.logger.warning("audit bundle left unsealed: %s", exc)
            data["seal"] = {"sealed": False, "description": f"nesigilat: {exc}"}
            pack()
        else:
            members["manifest.sha256.p7s"] = signature
            data["seal"]["description"] = description
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in members.items():
            archive.writestr(path, content)
    return buffer.getvalue(), data
