"""A signature's validation report in one sentence for the citizen: who signed, on whose behalf, when, and whether
it holds ("Semnătură validă: Consiliul Județean Brașov, aplicată de Ion Pop la 21.11.2026 10:15."). The full
report (app/signing/validation.plain_lines) stays one click away."""

from datetime import datetime

from app.dates import format_datetime


def signature_sentence(entry: dict) -> tuple[bool | None, str]:
    if entry.get("error"):
        return False, "Semnătură invalidă: fișierul este deteriorat sau a fost modificat."
    when = format_datetime(datetime.fromisoformat(entry["signing_time"])) if entry.get("signing_time") else ""
    signer = entry.get("signer") or "semnatar necunoscut"
    if entry.get("type") == "marca_temporala":
        return None, f"Marcă temporală de arhivare: {signer}{', ' + when if when else ''}."
    holder = entry.get("organization")
    who = f"{holder}, aplicată de {signer}" if holder and holder != signer else signer
    at = f" la {when}" if when else ""
    good = bool(
        entry.get("intact") and entry.get("valid") and entry.get("trusted") and not entry.get("revoked")
    )
    if good:
        return True, f"Semnătură validă: {who}{at}."
    if not (entry.get("intact") and entry.get("valid")):
        why = "documentul a fost modificat după semnare"
    elif entry.get("revoked"):
        why = "certificatul a fost revocat"
    else:
        why = "certificatul nu provine de la o autoritate de încredere"
    return False, f"Semnătură invalidă ({why}): {who}{at}."
