"""Staff pages for outgoing correspondence: write an address to another institution of the platform (or a letter
to a person) from a document, and see a document's letters with both numbers."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.correspondence import approval
from app.correspondence.models import DraftStatus, LetterDraft
from app.correspondence.outgoing import (
    ADDRESS_TYPE,
    LetterInvalid,
    LetterRefused,
    letter_lines,
    letters_for,
    may_send_from,
)
from app.extensions import db
from app.identity.models import Institution
from app.registry.access import staff_can_view
from app.registry.catalogue import enabled_types
from app.registry.models import Document
from app.unit_of_work import unit_of_work

bp = Blueprint("correspondence", __name__)


@bp.app_context_processor
def correspondence_helpers():
    # For the document pages: {% include "correspondence/_letters.html" %} shows "Înregistrat la B cu nr. X".
    return {
        "correspondence_lines": letter_lines,
        "may_write_letters": lambda document: may_send_from(current_user, document.institution),
        # For the inbox: letters waiting for my approval, and my own drafts (returned ones marked).
        "letters_to_decide": lambda: approval.to_decide(current_user),
        "my_letter_drafts": lambda: approval.my_open_drafts(current_user),
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
        target = None
        with unit_of_work(LetterInvalid, LetterRefused) as work:
            if not to_person:
                target = next((i for i in recipients if i.id == form.get("institutie", type=int)), None)
                if target is None:
                    raise LetterInvalid({"institutie": [_("Alegeți instituția destinatară.")]})
            draft = approval.submit(
                document,
                institution,
                current_user,
                subject=form.get("subiect", ""),
                content=form.get("continut", ""),
                to_institution=target,
                recipient_name=form.get("destinatar", ""),
                recipient_address=form.get("adresa_destinatar", ""),
                attachments=files,
                include_source_files=bool(document is not None and form.get("include_fisiere")),
            )
        if work.failed(LetterInvalid):
            errors = work.error.errors
        elif work.failed(LetterRefused):
            refusal = str(work.error)
        else:
            flash(_("Scrisoarea a fost trimisă spre aprobare. O semnați după ce este aprobată."), "success")
            return redirect(url_for("correspondence.draft", public_id=draft.public_id))
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


def _draft(public_id: str) -> LetterDraft:
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.public_id == public_id))
    # Someone who may neither write nor decide it does not learn it exists.
    if draft is None or not current_user.is_staff or not approval.may_see(current_user, draft):
        abort(404)
    return draft


@bp.route("/corespondenta/de-aprobat")
@login_required
def drafts():
    if not current_user.is_staff:
        abort(403)
    return render_template(
        "correspondence/drafts.html",
        to_decide=approval.to_decide(current_user),
        mine=approval.my_open_drafts(current_user),
    )


def _act_on_draft(letter_draft, actor, form, action: str) -> str:
    """The head's decision, the author's redraft or signature, as the page's form asks: the message to show."""
    if action in ("aproba", "returneaza"):
        approval.decide(letter_draft, actor, action == "aproba", form.get("observatii", ""))
        done = (
            _("Scrisoarea a fost aprobată.")
            if action == "aproba"
            else _("Scrisoarea a fost returnată autorului.")
        )
    elif action == "refacere":
        approval.redraft(
            letter_draft,
            actor,
            form.get("subiect", ""),
            form.get("continut", ""),
        )
        done = _("Scrisoarea refăcută a fost trimisă din nou spre aprobare.")
    elif action == "semneaza":
        letter = approval.send(letter_draft, actor)
        done = _(
            "Scrisoarea a fost semnată, sigilată și înregistrată cu nr. %(out)s.",
            out=letter.outgoing_document.registration_label,
        )
        if letter.incoming_document is not None:
            done += " " + _(
                "A ajuns la %(to)s, unde a fost înregistrată cu nr. %(in)s.",
                to=letter.to_institution.name,
                **{"in": letter.incoming_document.registration_label},
            )
    else:
        raise LetterInvalid({"actiune": [_("Alegeți o acțiune.")]})
    return done


@bp.route("/corespondenta/ciorne/<public_id>", methods=["GET", "POST"])
@login_required
def draft(public_id: str):
    """The draft's page: the PDF preview, the head's decision, the author's redraft and signature."""
    letter_draft = _draft(public_id)
    errors: dict[str, list[str]] = {}
    refusal = None
    if request.method == "POST":
        action = request.form.get("actiune", "")
        with unit_of_work(LetterInvalid, LetterRefused) as work:
            done = _act_on_draft(letter_draft, current_user, request.form, action)
        if work.failed(LetterInvalid):
            errors = work.error.errors
        elif work.failed(LetterRefused):
            refusal = str(work.error)
        else:
            flash(done, "success")
            if letter_draft.status == DraftStatus.SENT:
                shown = letter_draft.source_document or letter_draft.letter.outgoing_document
                return redirect(url_for("correspondence.letters", public_id=shown.public_id))
            return redirect(url_for("correspondence.draft", public_id=public_id))
    status = 403 if refusal else 400 if errors else 200
    return render_template(
        "correspondence/draft.html",
        draft=letter_draft,
        statuses=DraftStatus,
        may_decide=approval.may_decide(current_user, letter_draft),
        is_author=current_user.id == letter_draft.author_id,
        errors=errors,
        refusal=refusal,
        form=request.form,
    ), status


@bp.route("/corespondenta/ciorne/<public_id>/previzualizare")
@login_required
def draft_preview(public_id: str):
    letter_draft = _draft(public_id)
    response = Response(approval.preview(letter_draft), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="previzualizare-scrisoare.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
