"""E-mail verification: a signed link (itsdangerous with the application's SECRET_KEY) that expires, sent through
app/mail. Self-enrolled citizens can browse and sign in before verifying, but verify before submitting."""

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.audit import record
from app.dates import now_utc
from app.extensions import db
from app.identity.models import User
from app.mail import send_mail

SALT = "verificare-email"
MAX_AGE_SECONDS = 48 * 3600
EMAIL_VERIFIED = "email_verified"


class VerificationError(ValueError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    # The address is part of the token: a link sent to an old address stops working when the address changes.
    return _serializer().dumps({"u": user.id, "e": user.email})


def send_verification(user: User) -> None:
    link = url_for("identity.verify_email", token=make_token(user), _external=True)
    send_mail(
        user.email,
        _("Confirmați adresa de e-mail - Ghișeul Unic"),
        _(
            "Bună ziua, %(name)s,\n\nPentru a confirma adresa de e-mail a contului dumneavoastră deschideți "
            "legătura de mai jos (valabilă 48 de ore):\n\n%(link)s\n\nDacă nu ați creat un cont, ignorați acest "
            "mesaj.\n",
            name=user.full_name,
            link=link,
        ),
    )


def verify_token(token: str, max_age: int = MAX_AGE_SECONDS) -> User:
    """Mark the account verified (the caller commits); VerificationError with a Romanian message otherwise."""
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise VerificationError(
            _("Legătura de confirmare a expirat. Autentificați-vă și cereți o legătură nouă.")
        ) from exc
    except BadSignature as exc:
        raise VerificationError(
            _("Legătura de confirmare nu este validă. Copiați-o întreagă din mesaj sau cereți una nouă.")
        ) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("e"):
        raise VerificationError(_("Legătura de confirmare nu mai corespunde contului. Cereți una nouă."))
    if not user.email_verified:
        user.email_verified = True
        user.email_verified_at = now_utc()
        record(EMAIL_VERIFIED, actor=user, target=user.email)
    return user
