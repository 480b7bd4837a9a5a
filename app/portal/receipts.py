"""The receipt of an online submission: the number and the access code on screen right after sending, and the same
PDF receipt with QR as the paper desk (app/registry/receipts.py). The code is stored only as a hash, so this
browser keeps it in its session for the few documents it just sent; the e-mail carries it too."""

from flask import current_app, session, url_for

from app.intake.receipts import qr_svg, receipt_for, render_receipt_pdf
from app.registry.models import Document

_SESSION_KEY = "coduri_acces"
_KEEP = 5


def remember_code(document: Document, code: str) -> None:
    codes = [c for c in session.get(_SESSION_KEY, []) if c[0] != document.public_id]
    session[_SESSION_KEY] = (codes + [[document.public_id, code]])[-_KEEP:]


def code_for(document: Document) -> str | None:
    return next(
        (code for public_id, code in session.get(_SESSION_KEY, []) if public_id == document.public_id), None
    )


def tracking_url(document: Document, code: str) -> str:
    return url_for("portal.track", numar=document.registration_label, cod=code, _external=True)


def receipt_qr(document: Document, code: str) -> str:
    return qr_svg(tracking_url(document, code))


def receipt_pdf(document: Document, code: str) -> bytes:
    receipt = receipt_for(document, code, tracking_url(document, code))
    return render_receipt_pdf(receipt, current_app.config.get("FONT_DIR"))
