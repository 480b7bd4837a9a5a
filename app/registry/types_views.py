"""The types of documents an institution receives, and their file codes, chosen by its administrator."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import record
from app.extensions import db
from app.identity.models import Institution
from app.registry.catalogue import InstitutionDocumentType, enable
from app.registry.models import DocumentType
from app.registry.views import bp
from app.workflow.ownership import current_for

TYPES_CHANGED = "document_types_changed"
MANAGING_ROLES = {"admin", "secretar_general"}
_FILE_CODE = re.compile(r"^[\w .,/()-]{0,40}$")


def _managed_institutions() -> list[Institution]:
    ids = {m.institution_id for m in current_user.memberships if m.role.code in MANAGING_ROLES}
    if not ids:
        return []
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


@bp.route("/registratura/tipuri-documente", methods=["GET", "POST"])
@login_required
def document_types():
    """The institution's administrator or secretary general chooses the types it receives and their file codes
    (nomenclator arhivistic)."""
    institutions = _managed_institutions()
    if not current_user.is_staff or not institutions:
        abort(403)
    source = request.form if request.method == "POST" else request.args
    chosen = source.get("institutie", type=int)
    institution = next((i for i in institutions if i.id == chosen), institutions[0] if not chosen else None)
    if institution is None:  # asked for an institution the person does not manage
        abort(403)
    # Only types this institution has a route for: its own version or a platform template (never a type another
    # institution created for itself).
    all_types = [
        t
        for t in db.session.scalars(
            select(DocumentType).where(DocumentType.active.is_(True)).order_by(DocumentType.name_ro)
        )
        if current_for(t.process_id, institution.id) is not None
    ]
    rows = {
        r.document_type_id: r
        for r in db.session.scalars(
            select(InstitutionDocumentType).where(InstitutionDocumentType.institution_id == institution.id)
        )
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        wanted = {}
        for doc_type in all_types:
            code = (request.form.get(f"cod_{doc_type.id}") or "").strip()
            if not _FILE_CODE.match(code):
                errors[f"cod_{doc_type.id}"] = _(
                    "Indicativul are cel mult 40 de caractere: litere, cifre, spații și . , / ( ) -"
                )
            wanted[doc_type] = (request.form.get(f"activ_{doc_type.id}") == "1", code)
        if not errors:
            changes = {}
            for doc_type, (enabled, code) in wanted.items():
                row = rows.get(doc_type.id)
                if row is None and not enabled and not code:
                    continue
                if row is None or row.enabled != enabled or row.file_code != code:
                    changes[doc_type.code] = {"activ": enabled, "indicativ": code}
                    row = row or enable(institution, doc_type, enabled=enabled)
                    row.enabled, row.file_code = enabled, code
            if changes:
                record(TYPES_CHANGED, actor=current_user, institution_id=institution.id, data=changes)
            db.session.commit()
            flash(_("Tipurile de documente primite au fost salvate."), "success")
            return redirect(url_for("registry.document_types", institutie=institution.id))
    return render_template(
        "registry/intake_types.html",
        institutions=institutions,
        institution=institution,
        types=all_types,
        rows=rows,
        errors=errors,
        posted=request.form if request.method == "POST" else None,
    ), (400 if errors else 200)
