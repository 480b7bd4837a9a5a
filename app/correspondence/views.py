"""Staff pages for outgoing correspondence: write an address to another institution of the platform (or a letter
to a person) from a document, and see a document's letters with both numbers."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.correspondence.outgoing import (
    ADDRESS_TYPE,
    LetterInvalid,
    LetterRefused,
    letter_lines,
    letters_for,
    may_send_from,
    send_to_institution,
    send_to_person,
)
from app.extensions import db
from app.identity.models import Institution
from app.registry.access import staff_can_view
from app.registry.catalogue import enabled_types
from app.registry.models import Document

bp = Blueprint("correspondence", __name__)


@bp.app_context_processor
def correspondence_helpers():
    # For the document pages: {% include "correspondence/_letters.html" %} shows "Înregistrat la B cu nr. X".
    return {
        "correspondence_lines": letter_lines,
        "may_write_letters": lambda document: may_send_from(current_user, document.institution),
    }


def _document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not current_user.is_staff or not staff_can_view(current_user, document):
        abort(404)
    return document


def _recipients(sender_id: int) -> list[Institution]:
    """Institutions on the platform that receive addresses, except the sender."""
    return [
        institution
        for institution, doc_type in enabled_types()
        if doc_type.code == ADDRESS_TYPE and institution.id != sender_id
    ]


@bp.route("/documente/<public_id>/corespondenta")
@login_required
def letters(public_id: str):
    document = _document(public_id)
    return render_template(
        "correspondence/letters.html",
        document=document,
        letters=letters_for(document),
        lines=letter_lines(document),
        may_send=may_send_from(current_user, document.institution),
    )


@bp.route("/documente/<public_id>/adresa-noua", methods=["GET", "POST"])
@login_required
def new_letter(public_id: str):
    """A letter about a document (its files may travel with it)."""
    document = _document(public_id)
    if not may_send_from(current_user, document.institution):
        abort(403)
    return _letter_page(document, document.institution, [document.institution])


@bp.route("/registratura/adresa-noua", methods=["GET", "POST"])
@login_required
def new_letter_alone():
    """A letter that starts a matter (no source document), from an institution the person works for."""
    institutions = _sending_institutions()
    if not current_user.is_staff or not institutions:
        abort(403)
    source = request.form if request.method == "POST" else request.args
    chosen = source.get("expeditor", type=int)
    institution = next((i for i in institutions if i.id == chosen), None) if chosen else institutions[0]
    if institution is None:  # asked to write in the name of an institution the person does not work for
        abort(403)
    return _letter_page(None, institution, institutions)


def _sending_institutions() -> list[Institution]:
    ids = {m.institution_id for m in current_user.memberships}
    institutions = db.session.scalars(
        select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name)
    )
    return [i for i in institutions if may_send_from(current_user, i)]


def _letter_page(document: Document | None, institution: Institution, institutions: list[Institution]):
    recipients = _recipients(institution.id)
    errors: dict[str, list[str]] = {}
    refusal = None
    form = request.form
    if request.method == "POST":
        to_person = form.get("catre") == "persoana"
        files = [(f.filename, f.read()) for f in request.files.getlist("anexe") if f and f.filename]
        if document is not None and form.get("include_fisiere"):
            files = [*document.attachments, *files]
        try:
            if to_person:
                letter = send_to_person(
                    document,
                    current_user,
                    form.get("destinatar", ""),
                    form.get("adresa_destinatar", ""),
                    form.get("subiect", ""),
                    form.get("continut", ""),
                    files,
                    from_institution=institution,
                )
            else:
                target = next((i for i in recipients if i.id == form.get("institutie", type=int)), None)
                if target is None:
                    raise LetterInvalid({"institutie": [_("Alegeți instituția destinatară.")]})
                letter = send_to_institution(
                    document,
                    target,
                    current_user,
                    form.get("subiect", ""),
                    form.get("continut", ""),
                    files,
                    from_institution=institution,
                )
            db.session.commit()
        except LetterInvalid as exc:
            db.session.rollback()
            errors = exc.errors
        except LetterRefused as exc:
            db.session.rollback()
            refusal = str(exc)
        else:
            if letter.incoming_document is not None:
                flash(
                    _(
                        "Adresa a fost înregistrată cu nr. %(out)s și a ajuns la %(to)s, unde a fost înregistrată "
                        "cu nr. %(in)s.",
                        out=letter.outgoing_document.registration_label,
                        to=letter.to_institution.name,
                        **{"in": letter.incoming_document.registration_label},
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Scrisoarea a fost înregistrată cu nr. %(out)s.",
                        out=letter.outgoing_document.registration_label,
                    ),
                    "success",
                )
            shown = document or letter.outgoing_document
            return redirect(url_for("correspondence.letters", public_id=shown.public_id))
    status = 403 if refusal else 400 if errors else 200
    return render_template(
        "correspondence/letter_new.html",
        document=document,
        institution=institution,
        institutions=institutions,
        recipients=recipients,
        errors=errors,
        refusal=refusal,
        form=form,
    ), status
