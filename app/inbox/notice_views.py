"""In-app notices: each can be marked read; all at once; read ones cleared (`/sarcini/notificari/...`).
A notice belongs to one user: another user's id answers 404 and changes nothing."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import delete, func, select, update

from app.dates import now_utc
from app.extensions import db
from app.notifications.models import Notification
from app.unit_of_work import unit_of_work

bp = Blueprint("notices", __name__, url_prefix="/sarcini/notificari")


@bp.before_request
@login_required
def staff_only():
    if not current_user.is_staff:
        abort(403)


def _back():
    return redirect(
        url_for("inbox.tasks", **{k: v for k, v in request.args.items() if k in ("vedere", "ordine", "q")})
    )


@bp.route("/<int:notice_id>/citit", methods=["POST"])
def mark_read(notice_id: int):
    notice = db.session.get(Notification, notice_id)
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    if notice.read_at is None:
        with unit_of_work():
            notice.read_at = now_utc()
    return _back()


@bp.route("/citite", methods=["POST"])
def mark_all_read():
    with unit_of_work():
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=now_utc())
        )
    flash(_("Toate notificările au fost marcate ca citite."), "success")
    return _back()


@bp.route("/sterge-citite", methods=["POST"])
def clear_read():
    with unit_of_work():
        removed = db.session.execute(
            delete(Notification).where(
                Notification.user_id == current_user.id, Notification.read_at.is_not(None)
            )
        ).rowcount
    flash(_("Notificări șterse: %(n)d.", n=removed or 0), "success")
    return _back()


def read_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_not(None)
        )
    )
