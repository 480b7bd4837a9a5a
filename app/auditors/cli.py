"""`flask audit verify | checkpoint | replay | export`."""

import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db


def find_document(reference: str):
    """By public id, or by registration number as N/YYYY or N/DD.MM.YYYY (the institution's, if unique)."""
    import re

    from app.registry.models import Document

    document = db.session.scalar(select(Document).where(Document.public_id == reference))
    if document is not None:
        return document
    match = re.match(r"^(\d+)/(?:\d{1,2}\.\d{1,2}\.)?(\d{4})$", reference.strip())
    if not match:
        return None
    rows = db.session.scalars(
        select(Document).where(
            Document.registration_number == int(match.group(1)),
            Document.registration_year == int(match.group(2)),
        )
    ).all()
    return rows[0] if len(rows) == 1 else None


def register_audit_cli(app: Flask) -> None:
    @app.cli.group("audit")
    def audit():
        """Audit log: verify the chain, checkpoint its head, replay or export a document."""

    @audit.command("verify")
    def verify():
        """Check the whole hash chain and its checkpoints; name the first broken entry (exit 1)."""
        from app.audit.anchoring import token_in_store, verify_token
        from app.audit.chain import verify_chain

        report = verify_chain(verify_token, token_in_store)
        db.session.rollback()
        click.echo(report.summary())
        if not report.ok:
            sys.exit(1)

    @audit.command("seal-legacy")
    def seal_legacy_command():
        """Seal the entries and checkpoints written before AUDIT_HMAC_KEY existed, after verifying their chain."""
        from app.audit.anchoring import verify_token
        from app.audit.chain import AuditKeyMissing
        from app.audit.legacy import SealRefused, seal_legacy

        try:
            result = seal_legacy(verify_token)
        except AuditKeyMissing as exc:
            db.session.rollback()
            click.echo(f"{exc}; nothing sealed.", err=True)
            sys.exit(2)
        except SealRefused as exc:
            db.session.rollback()
            click.echo(f"Nothing sealed: the chain is broken at {exc.where}.", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(result.summary())

    @audit.command("checkpoint")
    def checkpoint():
        """Store the chain head now (timestamped with RFC 3161 when a timestamp authority is configured)."""
        from app.audit.anchoring import create_checkpoint

        made = create_checkpoint(note="command line")
        db.session.commit()
        stamp = (
            f"timestamped by {made.timestamp_authority}" if made.timestamp_token else "no timestamp authority"
        )
        click.echo(f"checkpoint {made.id}: #{made.seq} {made.head_hash} ({stamp})")

    @audit.command("replay")
    @click.argument("document")
    def replay(document):
        """Replay DOCUMENT (public id or number N/YYYY) on its pinned process version; exit 1 on a divergence."""
        from app.auditors.replay import replay_document

        found = find_document(document)
        if found is None:
            click.echo(f"No document {document}.", err=True)
            sys.exit(2)
        result = replay_document(found)
        db.session.rollback()
        click.echo(result.summary())
        for problem in result.input_mismatches:
            click.echo(f"  {problem}")
        if not result.verified:
            sys.exit(1)

    @audit.command("export")
    @click.argument("document")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="zip file to write")
    def export(document, output):
        """Write DOCUMENT's audit bundle (zip)."""
        from app.audit.log import AUDIT_EXPORT, record
        from app.auditors.bundle import build_bundle

        found = find_document(document)
        if found is None:
            click.echo(f"No document {document}.", err=True)
            sys.exit(2)
        from app.operations.bad_input import Gone

        try:
            content, _data = build_bundle(found)
        except Gone as exc:
            click.echo(str(exc), err=True)
            sys.exit(3)
        import hashlib

        record(
            AUDIT_EXPORT, document=found, data={"sha256": hashlib.sha256(content).hexdigest(), "via": "cli"}
        )
        db.session.commit()
        output = output or Path(f"audit-{found.registration_number or found.public_id}.zip")
        output.write_bytes(content)
        click.echo(f"{output} ({len(content)} bytes)")
