"""Accounts: authentication and citizens' free enrolment."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.extensions import db
from app.identity.models import User

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class SignupError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(str(errors))


def authenticate(login: str, password: str) -> User | None:
    login = login.strip().lower()
    if not login or not password:
        return None
    user = db.session.scalar(
        select(User).where(or_(func.lower(User.username) == login, func.lower(User.email) == login))
    )
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def create_citizen(
    full_name: str, email: str, phone: str, address: str, password: str, password_confirm: str
) -> User:
    errors = {}
    email = email.lower()
    if len(full_name) < 3:
        errors["full_name"] = _("Introduceți numele complet.")
    if not EMAIL_RE.match(email):
        errors["email"] = _("Adresa de e-mail nu este validă.")
    elif db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = _("Există deja un cont cu această adresă de e-mail.")
    if phone and not re.fullmatch(r"\+?[0-9 ]{9,15}", phone):
        errors["phone"] = _("Numărul de telefon nu este valid.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("Parola trebuie să aibă cel puțin %(n)d caractere.", n=MIN_PASSWORD)
    elif password != password_confirm:
        errors["password_confirm"] = _("Parolele nu coincid.")
    if errors:
        raise SignupError(errors)
    user = User(
        username=email, email=email, full_name=full_name, phone=phone or None, address=address or None
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
