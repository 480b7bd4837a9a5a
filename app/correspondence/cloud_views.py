"""Thin views of cloud signing (app/signing/cloud.py): starting at a signing step or on a citizen's submission,
the return from the provider's authorization pages, choosing the certificate, the one-time code; and the
administrators' page of their institution's providers."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.correspondence.cloud_signing import check_submission, finish_signing, target_for
from app.correspondence.signed_answer import signing_target
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import Document
from app.signing import cloud
from app.signing.cloud import Purpose, Stage
from app.signing.keys import SigningRefused
from app.signing.providers import SigningProvider, active_providers, register_provider
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask
from app.workflow.runtime import NotCandidate, RouteError, TaskUnavailable, is_candidate

bp = Blueprint("cloud", __name__)

# What a signing step refuses with: NotCandidate becomes a 404 (the task is not the user's), the others a message.
REFUSALS = (NotCandidate, SigningRefused, TaskUnavailable, RouteError)


def _redirect_uri() -> str:
    return url_for("cloud.callback", _external=True)


def _provider(document: Document) -> SigningProvider:
    provider = db.session.get(SigningProvider, request.form.get("furnizor", type=int) or 0)
    if provider is None or not provider.active or provider.institution_id != document.institution_id:
        abort(404)
    return provider


def _back(signing) -> str:
    if signing.purpose == Purpose.TASK:
        return url_for("inbox.task", task_id=signing.task_id)
    return url_for("portal.document", public_id=signing.document.public_id)


@bp.route("/semnare-cloud/pas/<int:task_id>", methods=["POST"])
@login_required
def start_task(task_id: int):
    task = db.session.get(HumanTask, task_id)
    if task is None or not current_user.is_staff or not is_candidate(current_user, task):
        abort(404)
    provider = _provider(task.document)
    with unit_of_work(*REFUSALS) as work:
        signing_target(task.id, current_user)  # the right signer, in the route's order, before any redirect
        signing = cloud.start(current_user, provider, task.document, Purpose.TASK, task_id=task.id)
    if work.failed(NotCandidate):
        abort(404)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("inbox.task", task_id=task_id))
    return redirect(url_for("cloud.page", public_id=signing.public_id))


@bp.route("/semnare-cloud/depunere/<public_id>", methods=["POST"])
@login_required
def start_submission(public_id: str):
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or document.submitter_id != current_user.id:
        abort(404)
    provider = _provider(document)
    with unit_of_work(SigningRefused) as work:
        check_submission(document, current_user)
        signing = cloud.start(current_user, provider, document, Purpose.SUBMISSION)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("portal.document", public_id=public_id) + "#semnatura-calificata")
    return redirect(url_for("cloud.page", public_id=signing.public_id))


def _own(public_id: str):
    signing = cloud.signing_for(public_id, current_user)
    if signing is None:
        abort(404)
    return signing


@bp.route("/semnare-cloud/retur")
@login_required
def callback():
    """The provider's OAuth redirect: ?code=..&state=.. (or ?error=..)."""
    signing = _own(request.args.get("state", ""))
    public_id = signing.public_id
    with unit_of_work(SigningRefused) as work:
        if request.args.get("error"):
            raise SigningRefused(
                _("Furnizorul nu a autorizat cererea. Nu s-a semnat nimic; puteți încerca din nou.")
            )
        cloud.receive_code(signing, request.args.get("code", ""), _redirect_uri())
    if work.error:
        flash(str(work.error), "error")
    return redirect(url_for("cloud.page", public_id=public_id))


@bp.route("/semnare-cloud/<public_id>")
@login_required
def page(public_id: str):
    signing = _own(public_id)
    if signing.stage == Stage.DONE:
        return redirect(_back(signing))
    # The provider's pages are reached by a link, not by a form's redirect: the Content-Security-Policy allows
    # forms to post only to this site (form-action 'self', which browsers apply to redirects too).
    provider_url = (
        cloud.authorization_url(signing, _redirect_uri())
        if signing.stage in (Stage.SERVICE, Stage.CREDENTIAL)
        else None
    )
    return render_template(
        "signing/cloud.html",
        signing=signing,
        back=_back(signing),
        Stage=Stage,
        describe=cloud.describe,
        provider_url=provider_url,
    )


@bp.route("/semnare-cloud/<public_id>/certificat", methods=["POST"])
@login_required
def choose(public_id: str):
    signing = _own(public_id)
    with unit_of_work(*REFUSALS) as work:
        cloud.choose_credential(signing, request.form.get("certificat", ""), target_for(signing))
    if work.failed(NotCandidate):
        abort(404)
    if work.error:
        flash(str(work.error), "error")
    return redirect(url_for("cloud.page", public_id=public_id))


@bp.route("/semnare-cloud/<public_id>/cod-nou", methods=["POST"])
@login_required
def new_code(public_id: str):
    with unit_of_work(SigningRefused) as work:
        cloud.resend_code(_own(public_id))
    if work.error:
        flash(str(work.error), "error")
    else:
        flash(_("Furnizorul v-a trimis un cod nou."), "success")
    return redirect(url_for("cloud.page", public_id=public_id))


@bp.route("/semnare-cloud/<public_id>/cod", methods=["POST"])
@login_required
def sign(public_id: str):
    """The last step, one transaction: authorize, sign, check, validate, and only then store and go on."""
    signing = _own(public_id)
    back, purpose = _back(signing), signing.purpose
    with unit_of_work(*REFUSALS) as work:
        finish_signing(signing, request.form.get("cod", ""))
    if work.failed(NotCandidate):
        abort(404)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("cloud.page", public_id=public_id)), 303
    if purpose == Purpose.TASK:
        flash(_("Documentul a fost semnat cu certificatul dumneavoastră calificat."), "success")
        return redirect(url_for("inbox.tasks"))
    flash(
        _(
            "Depunerea a fost semnată cu certificatul dumneavoastră calificat. Raportul de verificare este mai jos."
        ),
        "success",
    )
    return redirect(back + "#semnatura-calificata")


# --- administrators: their institution's providers ---------------------------------------------------------------


def _admin_institutions() -> list[Institution]:
    if not current_user.is_authenticated:
        abort(404)
    ids = {m.institution_id for m in current_user.memberships if m.role.code == "admin"}
    if not ids:
        abort(404)
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


@bp.route("/administrare/furnizori-semnare", methods=["GET", "POST"])
@login_required
def providers():
    institutions = _admin_institutions()
    errors: list[str] = []
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        institution = next(
            (i for i in institutions if i.id == request.form.get("institutie", type=int)), None
        )
        if institution is None:
            abort(404)
        with unit_of_work(SigningRefused) as work:
            provider = register_provider(
                institution,
                name=request.form.get("nume", ""),
                base_url=request.form.get("adresa", ""),
                client_id=request.form.get("client_id", ""),
                client_secret=request.form.get("client_secret", ""),
                trust_roots_pem=request.form.get("radacini", ""),
                created_by=current_user,
            )
        if work.error:
            errors.append(str(work.error))
        else:
            flash(_("Furnizorul „%(name)s” a fost înregistrat.", name=provider.name), "success")
            return redirect(url_for("cloud.providers"))
    rows = [(i, active_providers(i.id)) for i in institutions]
    return render_template(
        "signing/providers.html", rows=rows, institutions=institutions, errors=errors, values=values
    ), (400 if errors else 200)


@bp.route("/administrare/furnizori-semnare/<int:provider_id>/dezactivare", methods=["POST"])
@login_required
def deactivate_provider(provider_id: int):
    institutions = _admin_institutions()
    provider = db.session.get(SigningProvider, provider_id)
    if provider is None or provider.institution_id not in {i.id for i in institutions}:
        abort(404)
    with unit_of_work():
        provider.active = False
    flash(_("Furnizorul „%(name)s” nu mai poate fi folosit.", name=provider.name), "success")
    return redirect(url_for("cloud.providers"))


def register_template_helpers(app) -> None:
    from app.correspondence.cloud_signing import signed_submission

    app.jinja_env.globals["signing_providers"] = active_providers
    app.jinja_env.globals["signed_submission"] = signed_submission
