"""A signature's validation report in one sentence for the citizen: who signed, on whose behalf, when, and whether
it holds ("Semnătură validă: Consiliul Județean Brașov, aplicată de Ion Pop la 21.11.2026 10:15."). The full
report (app/signing/validation.plain_lines) stays one click away."""

from datetime import datetime

from flask_babel import gettext as _

from app.dates import format_datetime


def signature_sentence(entry: dict) -> tuple[bool | None, str]:
    if entry.get("error"):
        return False, _("Semnătură invalidă: fișierul este deteriorat sau a fost modificat.")
    when = format_datetime(datetime.fromisoformat(entry["signing_time"])) if entry.get("signing_time") else ""
    signer = entry.get("signer") or _("semnatar necunoscut")
    if entry.get("type") == "marca_temporala":
        if when:
            return None, _("Marcă temporală de arhivare: %(signer)s, %(when)s.", signer=signer, when=when)
        return None, _("Marcă temporală de arhivare: %(signer)s.", signer=signer)
    holder = entry.get("organization")
    who = (
        _("%(holder)s, aplicată de %(signer)s", holder=holder, signer=signer)
        if holder and holder != signer
        else signer
    )
    at = _(" la %(when)s", when=when) if when else ""
    good = bool(
        entry.get("intact") and entry.get("valid") and entry.get("trusted") and not entry.get("revoked")
    )
    if good:
        return True, _("Semnătură validă: %(who)s%(at)s.", who=who, at=at)
    if not (entry.get("intact") and entry.get("valid")):
        why = _("documentul a fost modificat după semnare")
    elif entry.get("revoked"):
        why = _("certificatul a fost revocat")
    else:
        why = _("certificatul nu provine de la o autoritate de încredere")
    return False, _("Semnătură invalidă (%(why)s): %(who)s%(at)s.", why=why, who=who, at=at)
