"""Password strength: zxcvbn's estimate of how guessable a password is, with the person's own data as hints (a
name, an e-mail address or a CNP inside the password makes it weak). Length alone admits `1234567890`."""

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_SCORE = 3  # zxcvbn 0-4: 3 = "safely unguessable: moderate protection from offline slow-hash attacks"
MAX_CHECKED = (
    100  # zxcvbn's cost grows with length; longer passwords are checked on their first 100 characters
)


def hints(*values: str | None) -> list[str]:
    """Words an attacker knows about the person: the parts of the name and e-mail, the CNP and its birth date."""
    found: list[str] = []
    for value in values:
        if not value:
            continue
        value = value.strip().lower()
        found.append(value)
        found.extend(part for part in re.split(r"[\s@._+-]+", value) if len(part) >= 3)
        if re.fullmatch(r"\d{13}", value):
            found.append(value[1:7])  # YYMMDD of the CNP
    return found


def password_problem(password: str, *personal: str | None) -> str | None:
    """None for a strong enough password, else a message (Romanian, or English in an English request)."""
    result = zxcvbn(password[:MAX_CHECKED], user_inputs=hints(*personal))
    if result["score"] >= MIN_SCORE:
        return None
    return _(
        "Parola este prea ușor de ghicit. Folosiți o frază lungă din câteva cuvinte neobișnuite, fără numele, "
        "adresa de e-mail sau CNP-ul dumneavoastră și fără șiruri ca 1234 sau qwerty."
    )
