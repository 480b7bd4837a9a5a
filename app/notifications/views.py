"""The citizen's notification channels (/contul-meu/notificari)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.notifications.channels import phone_digits
from app.notifications.events import preferences_for
from app.notifications.models import NotificationPreference
from app.unit_of_work import unit_of_work

bp = Blueprint("notifications", __name__, url_prefix="/contul-meu")


@bp.route("/notificari", methods=["GET", "POST"])
@login_required
def preferences():
    pref = preferences_for(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        email = request.form.get("email") == "1"
        sms = request.form.get("sms") == "1"
        phone = (request.form.get("telefon") or "").strip()[:30]
        if sms and len(phone_digits(phone)) != 9:
            errors["telefon"] = _(
                "Pentru SMS introduceți un număr de telefon mobil valid, de exemplu 0722 123 456."
            )
        if not errors:
            with unit_of_work():
                saved = db.session.get(NotificationPreference, current_user.id)
                if saved is None:
                    saved = NotificationPreference(user_id=current_user.id)
                    db.session.add(saved)
                saved.email, saved.sms, saved.phone = email, sms, phone or None
            flash(_("Preferințele de notificare au fost salvate."), "success")
            return redirect(url_for("notifications.preferences"))
        pref = NotificationPreference(user_id=current_user.id, email=email, sms=sms, phone=phone)
    return render_template("notifications/preferences.html", pref=pref, errors=errors), (
        400 if errors else 200
    )
