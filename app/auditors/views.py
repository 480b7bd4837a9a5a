"""Auditor pages (role `auditor`, read-only): search the log, follow a document's path step by step on its
diagram, replay it, check the chain, export the audit bundle. Also the guard that keeps auditors read-only
everywhere in the application."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

from flask import Blueprint, abort, g, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.audit.anchoring import verify_token
from app.audit.chain import compute_hash, verify_chain
from app.audit.log import AUDIT_EXPORT, DOCUMENT_VIEWED, record
from app.audit.models import AuditCheckpoint, AuditEntry
from app.auditors.bundle import build_bundle, document_entries
from app.auditors.path import current_state, document_steps
from app.auditors.replay import replay_document
from app.dates import local_zone
from app.extensions import db
from app.labels import ACTION_LABELS
from app.registry.models import Document
from app.unit_of_work import unit_of_work

bp = Blueprint("audit", __name__, url_prefix="/audit")

AUDITOR_ROLE = "auditor"
PAGE_SIZE = 100
# POSTs an auditor still needs: leaving the session, and the login form (which only redirects a logged-in user).
READ_ONLY_EXCEPTIONS = {"identity.logout", "identity.login"}


def auditor_institutions(user) -> set[int]:
    return {m.institution_id for m in user.memberships if m.role.code == AUDITOR_ROLE}


def is_read_only_auditor(user) -> bool:
    """An account whose only role is auditor. (Separation of duties: an auditor should hold no other role; an
    account that does is governed by its other roles' rules, and this guard does not apply to it.)"""
    codes = user.role_codes() if user is not None and getattr(user, "is_authenticated", False) else set()
    return codes == {AUDITOR_ROLE}


@bp.before_app_request
def auditors_change_nothing():
    """Application-wide: an auditor's request that could change something is refused before any view runs."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in READ_ONLY_EXCEPTIONS:
        return None
    user = current_user if current_user.is_authenticated else None
    if user is None and request.path.startswith("/api/"):
        from app.identity.auth import user_from_bearer

        header = request.headers.get("Authorization", "")
        scheme, _sep, credentials = header.strip().partition(" ")
        user = (
            user_from_bearer(f"Bearer {credentials.strip()}", keep_for_request=True)
            if scheme.lower() == "bearer"
            else None
        )
    if user is not None and is_read_only_auditor(user):
        abort(403)
    return None


@bp.before_request
@login_required
def auditors_only():
    if not current_user.is_staff:
        abort(403)
    g.audit_scope = auditor_institutions(current_user)
    if not g.audit_scope:
        abort(403)


def _in_scope(query):
    return query.where(or_(AuditEntry.institution_id.in_(g.audit_scope), AuditEntry.institution_id.is_(None)))


def _document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or document.institution_id not in g.audit_scope:
        abort(404)
    return document


def _day(value: str, days_after: int = 0) -> datetime | None:
    """Midnight starting a local (Bucharest) day, as the naive UTC the columns hold."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d") + timedelta(days=days_after)
    except ValueError:
        return None
    return day.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


_NUMBER = re.compile(r"^\s*(\d+)\s*(?:/\s*(?:\d{1,2}\.\d{1,2}\.)?(\d{4}))?\s*$")


def search_query(filters: dict):
    query = _in_scope(select(AuditEntry).outerjoin(Document, Document.id == AuditEntry.document_id))
    text = filters["q"]
    if text:
        number = _NUMBER.match(text)
        if number:
            query = query.where(Document.registration_number == int(number.group(1)))
            if number.group(2):
                query = query.where(Document.registration_year == int(number.group(2)))
        else:
            query = query.where(Document.subject.ilike(f"%{text}%"))
    if filters["persoana"]:
        like = f"%{filters['persoana']}%"
        query = query.where(
            or_(
                Document.sender_name.ilike(like),
                Document.sender_email.ilike(like),
                AuditEntry.actor_name.ilike(like),
                AuditEntry.target.ilike(like),
            )
        )
    if filters["oficial"]:
        query = query.where(AuditEntry.actor_name.ilike(f"%{filters['oficial']}%"))
    start, end = _day(filters["de_la"]), _day(filters["pana_la"], days_after=1)
    if start:
        query = query.where(AuditEntry.at >= start)
    if end:
        query = query.where(AuditEntry.at < end)
    if filters["actiune"] in ACTION_LABELS:
        query = query.where(AuditEntry.action == filters["actiune"])
    return query


@bp.route("/")
def search():
    filters = {
        k: request.args.get(k, "").strip()[:200] for k in ("q", "persoana", "oficial", "de_la", "pana_la")
    }
    filters["actiune"] = request.args.get("actiune", "")
    before = request.args.get("inainte", type=int)
    query = search_query(filters)
    if before:
        query = query.where(AuditEntry.seq < before)
    entries = db.session.scalars(query.order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    documents = list(dict.fromkeys(e.document for e in entries if e.document is not None))
    return render_template(
        "audit/search.html",
        filters=filters,
        entries=entries,
        documents=documents[:50],
        more=more,
        older=entries[-1].seq if entries and more else None,
        actions=ACTION_LABELS,
        searched=any(filters.values()),
    )


@bp.route("/documente/<public_id>")
def document(public_id: str):
    document = _document(public_id)
    with unit_of_work():  # personal-data access by an auditor is logged like any other
        record(
            DOCUMENT_VIEWED, actor=current_user, document=document, target=document.registration_label or None
        )
    steps = document_steps(document)
    entries = document_entries(document)
    return render_template(
        "audit/document.html",
        document=document,
        steps=steps,
        state=current_state(document),
        replay=replay_document(document),
        entries=entries,
        entry_ok={e.seq: compute_hash(e) == e.hash for e in entries},
        actions=ACTION_LABELS,
    )


@bp.route("/documente/<public_id>/traseu.bpmn")
def document_bpmn(public_id: str):
    document = _document(public_id)
    from app.workflow.models import WorkflowInstance

    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    if instance is None:
        abort(404)
    return instance.process_version.bpmn_xml, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/documente/<public_id>/pachet-audit.zip")
def export(public_id: str):
    document = _document(public_id)
    content, _data = build_bundle(document, generated_by=current_user.full_name)
    with unit_of_work():
        record(
            AUDIT_EXPORT,
            actor=current_user,
            document=document,
            target=document.registration_label or None,
            data={"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)},
        )
    name = f"audit-{document.registration_number or 'nereg'}-{document.registration_year or ''}.zip"
    return send_file(BytesIO(content), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/lant")
def chain():
    report = verify_chain(verify_token)
    checkpoints = db.session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(20)
    ).all()
    return render_template("audit/chain.html", report=report, checkpoints=checkpoints)
