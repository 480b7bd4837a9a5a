"""The owner of an existing account is told when someone signs up with their e-mail address or CNP; the visitor
got the same answer as for a new account, so sign-up never reveals who has an account."""

from flask import current_app, url_for
from flask_babel import gettext as _

from app.audit import record
from app.identity.models import User
from app.mail import MailError, send_mail

SIGNUP_WITH_EXISTING = "signup_existing_account"


def tell_owner_of_signup_attempt(owner: User, by: str) -> None:
    what = _("adresa dumneavoastră de e-mail") if by == "email" else _("CNP-ul dumneavoastră")
    try:
        send_mail(
            owner.email,
            _("Încercare de creare a unui cont - Ghișeul Unic"),
            _(
                "Bună ziua, %(name)s,\n\nCineva a încercat să creeze un cont nou pe Ghișeul Unic cu %(what)s. "
                "Aveți deja un cont: autentificați-vă la %(link)s. Dacă nu ați fost dumneavoastră, puteți ignora "
                "acest mesaj; contul dumneavoastră nu a fost modificat.\n",
                name=owner.full_name,
                what=what,
                link=url_for("identity.login", _external=True),
            ),
        )
    except MailError:
        current_app.logger.warning("the owner of account %s could not be told of a sign-up attempt", owner.id)
    record(SIGNUP_WITH_EXISTING, target=owner.username, data={"by": by})
    from app.extensions import db

    db.session.commit()
