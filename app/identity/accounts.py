"""Accounts: authentication and citizens' free enrolment."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.extensions import db
from app.identity.models import User
from app.identity.passwords import password_problem
from app.identity.persons import clean_cnp, cnp_taken

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class SignupError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(str(errors))


class AccountExists(Exception):
    """Sign-up with the e-mail address or CNP of an existing account: the visitor gets the same answer as a new
    account (nothing tells them the account exists); the owner is told by e-mail."""

    def __init__(self, owner: User, by: str):
        super().__init__(by)
        self.owner = owner
        self.by = by  # "email" or "cnp"


def _EMAIL_TAKEN() -> str:  # noqa: N802 - a message, compared where sign-up hides it
    return _("Există deja un cont cu această adresă de e-mail.")


def find_account(login: str) -> User | None:
    login = (login or "").strip().lower()
    if not login:
        return None
    return db.session.scalar(
        select(User).where(or_(func.lower(User.username) == login, func.lower(User.email) == login))
    )


def authenticate(login: str, password: str) -> User | None:
    user = find_account(login)
    if user is None or not password or not user.is_active or not user.check_password(password):
        return None
    return user


def check_new_account(
    errors: dict[str, str],
    full_name: str,
    email: str,
    password: str,
    password_confirm: str,
    username: str = "",
    cnp: str = "",
) -> None:
    """The checks every new account passes (sign-up and staff created by an administrator)."""
    if len(full_name) < 3:
        errors["full_name"] = _("Introduceți numele complet.")
    if not EMAIL_RE.match(email):
        errors["email"] = _("Adresa de e-mail nu este validă.")
    elif db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = _EMAIL_TAKEN()
    if username and db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors["username"] = _("Numele de utilizator este deja folosit.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("Parola trebuie să aibă cel puțin %(n)d caractere.", n=MIN_PASSWORD)
    elif problem := password_problem(password, full_name, email, username, cnp):
        errors["password"] = problem
    elif password != password_confirm:
        errors["password_confirm"] = _("Parolele nu coincid.")


def create_citizen(
    full_name: str,
    email: str,
    phone: str,
    address: str,
    password: str,
    password_confirm: str,
    cnp: str = "",
) -> User:
    """A natural person's account. The CNP is optional (a petition needs name and address, OG 27/2002 art. 7);
    when given it must be valid and not already used by another account. Raises SignupError, adding nothing."""
    errors: dict[str, str] = {}
    email = email.lower()
    check_new_account(errors, full_name, email, password, password_confirm, cnp=(cnp or "").strip())
    taken = errors.pop("email", None) if errors.get("email") == _EMAIL_TAKEN() else None
    owner = None
    if email and EMAIL_RE.match(email):
        owner = db.session.scalar(
            select(User).where(or_(func.lower(User.username) == email, func.lower(User.email) == email))
        )
    if phone and not re.fullmatch(r"\+?[0-9 ]{9,15}", phone):
        errors["phone"] = _("Numărul de telefon nu este valid.")
    clean, cnp_error = clean_cnp(cnp)
    cnp_owner = None
    if cnp_error:
        errors["cnp"] = cnp_error
    elif clean and cnp_taken(clean):
        cnp_owner = db.session.scalar(select(User).where(User.cnp == clean))
    if errors:
        raise SignupError(errors)
    # Only a sign-up that would otherwise succeed learns nothing more: the same answer as a new account.
    if owner is not None or taken:
        raise AccountExists(owner, "email")
    if cnp_owner is not None:
        raise AccountExists(cnp_owner, "cnp")
    user = User(
        username=email,
        email=email,
        full_name=full_name,
        phone=phone or None,
        address=address or None,
        cnp=clean,
        email_verified=False,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
