"""Administration pages: institutions (platform administrator), and for each institution its departments, staff,
memberships, mandatory TOTP and the log of its staff's logins (that institution's administrators only)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.identity import administration as admin
from app.identity.models import Institution, Membership, Role, User
from app.identity.throttling import REASON_LABELS, institution_logins
from app.unit_of_work import unit_of_work

bp = Blueprint("administration", __name__, url_prefix="/administrare")


@bp.before_request
@login_required
def administrators_only():
    if not admin.administered_institutions(current_user):
        abort(403)


def _institution(institution_id: int) -> Institution:
    institution = db.session.get(Institution, institution_id)
    # Another institution's page answers as if it did not exist.
    if institution is None or not admin.administers(current_user, institution):
        abort(404)
    return institution


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/", methods=["GET", "POST"])
def index():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        if not current_user.is_platform_admin:
            abort(403)
        values = {
            k: request.form.get(k, "").strip()
            for k in ("code", "name", "kind", "parent_id", "address", "cui")
        }
        with unit_of_work(admin.AdminError) as work:
            institution = admin.create_institution(
                current_user,
                values["code"],
                values["name"],
                values["kind"],
                _int("parent_id"),
                values["address"],
                values["cui"],
            )
        if work.error:
            errors, status = work.error.errors, 400
        else:
            flash(_("Instituția %(name)s a fost creată.", name=institution.name), "success")
            return redirect(url_for("administration.index"))
    return render_template(
        "identity/admin_index.html",
        institutions=admin.administered_institutions(current_user),
        parent_options=[
            (i.id, i.name) for i in db.session.scalars(select(Institution).order_by(Institution.name))
        ],
        kinds=admin.KIND_LABELS,
        errors=errors,
        values=values,
    ), status


def _institution_page(institution: Institution, errors=None, values=None, status=200):
    return render_template(
        "identity/admin_institution.html",
        institution=institution,
        staff=admin.institution_staff(institution),
        roles=db.session.scalars(select(Role).order_by(Role.name)).all(),
        logins=institution_logins(institution.id, limit=50),
        reason_labels=REASON_LABELS,
        kinds=admin.KIND_LABELS,
        errors=errors or {},
        values=values or {},
    ), status


@bp.route("/institutii/<int:institution_id>")
def institution(institution_id: int):
    return _institution_page(_institution(institution_id))


def _act(institution: Institution, action, done: str, form: str):
    values = {k: v.strip() for k, v in request.form.items() if k not in ("csrf_token", "password")}
    with unit_of_work(admin.AdminError) as work:
        action()
    if work.error:
        return _institution_page(institution, {form: work.error.errors}, {form: values}, 400)
    flash(done, "success")
    return redirect(url_for("administration.institution", institution_id=institution.id))


@bp.route("/institutii/<int:institution_id>/compartimente", methods=["POST"])
def add_department(institution_id: int):
    inst = _institution(institution_id)
    return _act(
        inst,
        lambda: admin.create_department(
            current_user, inst, request.form.get("code", ""), request.form.get("name", "")
        ),
        _("Compartimentul a fost adăugat."),
        "department",
    )


@bp.route("/institutii/<int:institution_id>/angajati", methods=["POST"])
def add_staff(institution_id: int):
    inst = _institution(institution_id)
    form = request.form
    return _act(
        inst,
        lambda: admin.create_staff(
            current_user,
            inst,
            form.get("username", ""),
            form.get("full_name", ""),
            form.get("email", ""),
            form.get("password", ""),
            form.get("role", ""),
            _int("department_id"),
            form.get("function_title", ""),
        ),
        _("Contul angajatului a fost creat."),
        "staff",
    )


@bp.route("/institutii/<int:institution_id>/roluri", methods=["POST"])
def add_role(institution_id: int):
    inst = _institution(institution_id)
    user = db.session.get(User, _int("user_id") or 0)
    return _act(
        inst,
        lambda: admin.add_membership(
            current_user,
            inst,
            user,
            request.form.get("role", ""),
            _int("department_id"),
            request.form.get("function_title", ""),
        ),
        _("Rolul a fost adăugat."),
        "role",
    )


@bp.route("/institutii/<int:institution_id>/roluri/<int:membership_id>/stergere", methods=["POST"])
def remove_role(institution_id: int, membership_id: int):
    inst = _institution(institution_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.institution_id != inst.id:
        abort(404)
    return _act(
        inst,
        lambda: admin.remove_membership(current_user, inst, membership),
        _("Rolul a fost retras."),
        "role",
    )


@bp.route("/institutii/<int:institution_id>/securitate", methods=["POST"])
def security(institution_id: int):
    inst = _institution(institution_id)
    return _act(
        inst,
        lambda: admin.set_require_totp(current_user, inst, request.form.get("require_totp") == "1"),
        _("Setările de securitate au fost salvate."),
        "security",
    )
