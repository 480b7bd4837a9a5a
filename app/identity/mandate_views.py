"""The clerk's side of company mandates: the pending requests, the uploaded document, approve or refuse (reason),
withdraw an approval. Registry clerks and the secretary general of the platform's first institution."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import FILE_DOWNLOADED, record
from app.extensions import db
from app.identity import mandates
from app.identity.models import Representation, RepresentationStatus
from app.unit_of_work import unit_of_work

bp = Blueprint("mandates", __name__)


def _reviewer():
    if not mandates.may_review(current_user):
        abort(404)


@bp.route("/registratura/imputerniciri")
@login_required
def review_list():
    _reviewer()
    approved = db.session.scalars(
        select(Representation)
        .where(Representation.status == RepresentationStatus.APPROVED)
        .order_by(Representation.decided_at.desc().nulls_last())
        .limit(100)
    ).all()
    return render_template(
        "identity/mandates.html", pending=mandates.pending_requests(), approved=approved, errors={}
    )


@bp.route("/registratura/imputerniciri/<int:representation_id>/document")
@login_required
def mandate_file(representation_id: int):
    _reviewer()
    representation = db.session.get(Representation, representation_id)
    if representation is None or not representation.mandate_sha256:
        abort(404)
    from app.storage import current_store

    with unit_of_work():
        record(
            FILE_DOWNLOADED,
            actor=current_user,
            target=representation.mandate_filename,
            data={"mandate": representation.id},
        )
    return Response(
        current_store().get(representation.mandate_sha256),
        mimetype=representation.mandate_content_type,
        headers={
            "Content-Disposition": f'inline; filename="{representation.mandate_filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/registratura/imputerniciri/<int:representation_id>", methods=["POST"])
@login_required
def decide(representation_id: int):
    _reviewer()
    representation = db.session.scalar(
        select(Representation).where(Representation.id == representation_id).with_for_update()
    )
    if representation is None:
        abort(404)
    approve = request.form.get("decizie") == "aproba"
    with unit_of_work(mandates.MandateError) as work:
        mandates.decide(current_user, representation, approve, request.form.get("reason", ""))
    if work.error:
        flash(next(iter(work.error.errors.values())), "error")
        return redirect(url_for("mandates.review_list"))
    flash(
        _("Cererea a fost aprobată.") if approve else _("Decizia a fost consemnată."),
        "success",
    )
    return redirect(url_for("mandates.review_list"))
