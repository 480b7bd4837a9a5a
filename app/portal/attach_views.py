"""A citizen attaches a document registered at the desk (paper, app/intake) to their account."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.audit import record
from app.extensions import db, limiter
from app.portal.views import bp
from app.registry.access_codes import document_for_code
from app.workflow.models import HistoryEntry

DOCUMENT_ATTACHED = "document_attached_to_account"


@bp.route("/contul-meu/atasare", methods=["GET", "POST"])
@login_required
@limiter.limit("20/minute", methods=["POST"])
def attach():
    """A citizen attaches a document registered at the desk to their account with the receipt's number and
    access code; the document then appears under "Documentele mele"."""
    if current_user.is_staff:
        abort(403)
    error = None
    number = (request.form.get("numar") or "").strip()[:40]
    if request.method == "POST":
        document = document_for_code(number, request.form.get("cod", "")[:40])
        if document is None or (document.submitter_id not in (None, current_user.id)):
            # One answer for a wrong number, a wrong code and someone else's document: nothing is revealed.
            error = _(
                "Nu am găsit un document cu acest număr și acest cod de acces. Verificați datele de pe recipisă."
            )
        else:
            if document.submitter_id is None:
                document.submitter_id = current_user.id
                db.session.add(
                    HistoryEntry(
                        document_id=document.id,
                        actor_id=current_user.id,
                        event="attached_to_account",
                        element_name="Atașat la contul solicitantului",  # stored: the source language
                        data={"account": current_user.username},
                    )
                )
                record(
                    DOCUMENT_ATTACHED,
                    actor=current_user,
                    document=document,
                    target=document.registration_label,
                )
                db.session.commit()
            flash(
                _(
                    "Documentul nr. %(label)s este acum în contul dumneavoastră.",
                    label=document.registration_label,
                ),
                "success",
            )
            return redirect(url_for("portal.document", public_id=document.public_id))
    return render_template("registry/intake_attach.html", error=error, number=number), (404 if error else 200)
