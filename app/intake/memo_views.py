"""Internal documents (note interne) staff start on a route; same blueprint as the paper desk."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.intake.paper import (
    IntakeInvalid,
    IntakeRefused,
    form_without_files,
    internal_institutions,
    start_internal,
)
from app.intake.submission import parse_posted, submission_form
from app.intake.views import bp, desk_choice, refuse_foreign_institution, unknown_type_message
from app.unit_of_work import unit_of_work


@bp.route("/registratura/intern", methods=["GET", "POST"])
@login_required
def internal():
    """Staff start an internal document (notă internă): a type citizens cannot submit; they are its author."""
    institutions = internal_institutions(current_user)
    if not current_user.is_staff or not institutions:
        abort(403)
    errors: dict[str, list[str]] = {}
    refusal = None
    data: dict = {}
    try:
        refuse_foreign_institution(institutions)
    except IntakeRefused as exc:
        refusal = str(exc)
    institution, types, doc_type = desk_choice(institutions, internal=True)
    refusal = refusal or unknown_type_message(institution, doc_type)
    form = form_without_files(submission_form(doc_type).form) if doc_type else None
    if request.method == "POST" and refusal is None and doc_type is not None:
        data = parse_posted(doc_type, request.form)
        with unit_of_work(IntakeInvalid, IntakeRefused) as work:
            document = start_internal(
                current_user, institution, doc_type, data, request.files.getlist("anexe")
            )
        if work.failed(IntakeInvalid):
            errors = work.error.errors
        elif work.failed(IntakeRefused):
            refusal = str(work.error)
        else:
            flash(_("Documentul intern a fost pornit pe traseul său."), "success")
            return redirect(url_for("registry.document", public_id=document.public_id))
    status = 403 if refusal else 400 if errors else 200
    return render_template(
        "registry/intake_internal.html",
        institutions=institutions,
        institution=institution,
        types=types,
        doc_type=doc_type,
        form=form,
        data=data,
        errors=errors,
        refusal=refusal,
    ), status
