"""Account self-service: password reset by e-mail, change of contact data (a new e-mail address confirmed again),
the data a person may download about themself (GDPR art. 15 and 20) and closing the account (art. 17, within the
limits of the legal retention of registered documents).

Reset links are signed (itsdangerous with SECRET_KEY), time-limited and single-use: they carry a fingerprint of the
current password hash, which changes once the link has been used."""

import hashlib
import io
import json
import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from app.audit import record
from app.dates import format_datetime, now_utc
from app.extensions import db
from app.identity.accounts import EMAIL_RE, MIN_PASSWORD, find_account
from app.identity.models import ApiToken, LoginEvent, Representation, RepresentationStatus, User
from app.mail import MailError, send_mail

PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - audit action names
PASSWORD_RESET = "password_reset"  # noqa: S105
PASSWORD_RESET_REFUSED = "password_reset_refused"  # noqa: S105
CONTACT_CHANGED = "contact_changed"
EMAIL_CHANGE_REQUESTED = "email_change_requested"
EMAIL_CHANGED = "email_changed"
DATA_EXPORTED = "personal_data_exported"
ACCOUNT_CLOSED = "account_closed"

_RESET_SALT = "resetare-parola"
_EMAIL_SALT = "schimbare-email"
EMAIL_CHANGE_SECONDS = 48 * 3600


class SelfServiceError(ValueError):
    def __init__(self, errors: dict[str, str] | str, reason: str = ""):
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        self.reason = reason
        super().__init__(next(iter(self.errors.values())))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


# --- password reset ---------------------------------------------------------------------------------------------


def request_reset(login: str) -> None:
    """Send a reset link when the address (or user name) belongs to an active account. The caller shows the same
    answer either way, so the page does not tell who has an account."""
    user = find_account(login)
    if user is None or not user.is_active:
        record(PASSWORD_RESET_REQUESTED, target="necunoscut", data={"found": False})
        return
    token = _serializer(_RESET_SALT).dumps({"u": user.id, "f": _fingerprint(user)})
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    link = url_for("self_service.reset_password", token=token, _external=True)
    record(PASSWORD_RESET_REQUESTED, actor=user, data={"found": True})
    try:
        send_mail(
            user.email,
            _("Resetarea parolei - Ghișeul Unic"),
            _(
                "Bună ziua, %(name)s,\n\nAți cerut o parolă nouă pentru contul de pe Ghișeul Unic. Deschideți "
                "legătura de mai jos (valabilă %(minutes)d de minute, o singură dată):\n\n%(link)s\n\nDacă nu ați "
                "cerut-o dumneavoastră, ignorați acest mesaj: parola rămâne aceeași.\n",
                name=user.full_name,
                minutes=minutes,
                link=link,
            ),
        )
    except MailError:
        current_app.logger.warning("password reset mail could not be sent to user %s", user.id)


def user_for_reset(token: str) -> User:
    """The account a reset link is for, or SelfServiceError (expired, tampered with, already used)."""
    max_age = current_app.config["PASSWORD_RESET_MINUTES"] * 60
    try:
        data = _serializer(_RESET_SALT).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise SelfServiceError(
            _("Legătura de resetare a expirat. Cereți una nouă din pagina „Am uitat parola”."), "expired"
        ) from exc
    except BadSignature as exc:
        raise SelfServiceError(
            _("Legătura de resetare nu este validă. Copiați-o întreagă din mesaj sau cereți una nouă."),
            "invalid",
        ) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active:
        raise SelfServiceError(_("Legătura de resetare nu mai corespunde unui cont activ."), "no_account")
    if data.get("f") != _fingerprint(user):
        raise SelfServiceError(
            _("Legătura de resetare a fost deja folosită. Dacă aveți nevoie, cereți una nouă."), "used"
        )
    return user


def password_errors(password: str, confirm: str) -> dict[str, str]:
    errors = {}
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("Parola trebuie să aibă cel puțin %(n)d caractere.", n=MIN_PASSWORD)
    elif password != confirm:
        errors["password_confirm"] = _("Parolele nu coincid.")
    return errors


def reset_password(token: str, password: str, confirm: str) -> User:
    user = user_for_reset(token)
    errors = password_errors(password, confirm)
    if errors:
        raise SelfServiceError(errors, "weak")
    user.set_password(password)
    # Opening a link sent to the address proves the address.
    if not user.email_verified:
        user.email_verified, user.email_verified_at = True, now_utc()
    record(PASSWORD_RESET, actor=user)
    return user


def refuse_reset(error: SelfServiceError) -> None:
    record(PASSWORD_RESET_REFUSED, data={"reason": error.reason})


# --- contact data -----------------------------------------------------------------------------------------------


def update_contact(user: User, phone: str, address: str) -> list[str]:
    """Phone and address take effect at once. Returns the fields changed; SelfServiceError for bad values."""
    import re

    phone, address = (phone or "").strip(), (address or "").strip()
    if phone and not re.fullmatch(r"\+?[0-9 ]{9,15}", phone):
        raise SelfServiceError({"phone": _("Numărul de telefon nu este valid (de exemplu 0722 123 456).")})
    changed = []
    if (user.phone or "") != phone:
        user.phone, changed = phone or None, [*changed, "phone"]
    if (user.address or "") != address[:300]:
        user.address, changed = address[:300] or None, [*changed, "address"]
    if changed:
        record(CONTACT_CHANGED, actor=user, data={"fields": changed})
    return changed


def request_email_change(user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the account keeps the old one until the link is opened."""
    new_email = (new_email or "").strip().lower()
    if not EMAIL_RE.match(new_email):
        raise SelfServiceError({"email": _("Adresa de e-mail nu este validă.")})
    if new_email == user.email.lower():
        raise SelfServiceError({"email": _("Aceasta este deja adresa contului.")})
    if db.session.scalar(
        select(User.id).where(
            or_(func.lower(User.email) == new_email, func.lower(User.username) == new_email)
        )
    ):
        raise SelfServiceError({"email": _("Adresa nu poate fi folosită pentru acest cont.")})
    token = _serializer(_EMAIL_SALT).dumps({"u": user.id, "old": user.email, "new": new_email})
    link = url_for("self_service.confirm_email_change", token=token, _external=True)
    send_mail(
        new_email,
        _("Confirmați noua adresă de e-mail - Ghișeul Unic"),
        _(
            "Bună ziua, %(name)s,\n\nPentru a folosi această adresă în contul de pe Ghișeul Unic deschideți "
            "legătura de mai jos (valabilă 48 de ore):\n\n%(link)s\n\nPână atunci contul folosește adresa veche.\n",
            name=user.full_name,
            link=link,
        ),
    )
    record(EMAIL_CHANGE_REQUESTED, actor=user)


def confirm_email_change(token: str) -> User:
    try:
        data = _serializer(_EMAIL_SALT).loads(token, max_age=EMAIL_CHANGE_SECONDS)
    except SignatureExpired as exc:
        raise SelfServiceError(
            _("Legătura de confirmare a expirat. Cereți din nou schimbarea."), "expired"
        ) from exc
    except BadSignature as exc:
        raise SelfServiceError(_("Legătura de confirmare nu este validă."), "invalid") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    # The old address is part of the link: a second use, or a link older than another change, stops working.
    if user is None or not user.is_active or user.email != data.get("old"):
        raise SelfServiceError(_("Legătura a fost deja folosită sau nu mai corespunde contului."), "used")
    new_email = data["new"]
    if db.session.scalar(
        select(User.id).where(
            User.id != user.id,
            or_(func.lower(User.email) == new_email, func.lower(User.username) == new_email),
        )
    ):
        raise SelfServiceError(_("Adresa nu mai poate fi folosită pentru acest cont."), "taken")
    if user.username.lower() == user.email.lower():
        user.username = new_email
    user.email = new_email
    user.email_verified, user.email_verified_at = True, now_utc()
    record(EMAIL_CHANGED, actor=user)
    return user


# --- my data ----------------------------------------------------------------------------------------------------


def visible_documents(user: User) -> list:
    from app.registry.access import documents_visible_to

    return documents_visible_to(user)


def personal_data(user: User) -> dict:
    """Everything the platform keeps about the person that they may take with them: the account, the companies
    represented, the documents they submitted (or their companies did) with the public history, the logins."""
    from app.portal.tracking import public_timeline

    logins = db.session.scalars(
        select(LoginEvent).where(LoginEvent.user_id == user.id).order_by(LoginEvent.at.desc()).limit(500)
    ).all()
    representations = db.session.scalars(
        select(Representation).where(Representation.user_id == user.id)
    ).all()
    documents = []
    for document in visible_documents(user):
        documents.append(
            {
                "numar": document.registration_label if document.registration_number else None,
                "institutie": document.institution.name,
                "tip": document.document_type.name_ro,
                "subiect": document.subject,
                "continut": document.content,
                "stare": document.status,
                "depus_la": _iso(document.created_at),
                "inregistrat_la": _iso(document.registered_at),
                "termen": _iso(document.deadline_at),
                "firma": document.company.name if document.company else None,
                "fisiere": [a.filename for a in document.attachments],
                "istoric": [
                    {"pas": step.name, "cine": step.who, "la": _iso(step.at)}
                    for step in public_timeline(document)
                ],
            }
        )
    return {
        "generat_la": _iso(now_utc()),
        "cont": {
            "utilizator": user.username,
            "nume": user.full_name,
            "email": user.email,
            "email_confirmat": user.email_verified,
            "telefon": user.phone,
            "adresa": user.address,
            "cnp": user.cnp,
            "creat_la": _iso(user.created_at),
            "nota_informare_acceptata_la": _iso(user.privacy_accepted_at),
            "legat_de_roeid": user.roeid_subject is not None,
        },
        "firme": [
            {
                "cui": r.company.cui,
                "denumire": r.company.name,
                "calitate": r.capacity,
                "stare": r.status,
                "motiv_refuz": r.refusal_reason,
            }
            for r in representations
        ],
        "documente": documents,
        "autentificari": [
            {"la": _iso(e.at), "reusita": e.success, "motiv": e.reason, "ip": e.ip, "browser": e.user_agent}
            for e in logins
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_json(user: User) -> bytes:
    record(DATA_EXPORTED, actor=user, data={"format": "json"})
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2).encode()


@dataclass
class _Line:
    text: str
    bold: bool = False
    size: float = 9


def personal_data_pdf(user: User) -> bytes:
    """The same content as the JSON, readable on paper (A4, DejaVu for the diacritics)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from app.intake.receipts import _wrap
    from app.pdf import register_fonts

    data = personal_data(user)
    record(DATA_EXPORTED, actor=user, data={"format": "pdf"})
    regular, bold = register_fonts(current_app.config.get("FONT_DIR"))
    lines = [
        _Line("Datele mele pe Ghișeul Unic", True, 14),
        _Line(f"Generat la {format_datetime(now_utc())}"),
    ]
    account = data["cont"]
    lines += [_Line("Cont", True, 11)]
    labels = {
        "utilizator": "Utilizator",
        "nume": "Nume",
        "email": "E-mail",
        "email_confirmat": "E-mail confirmat",
        "telefon": "Telefon",
        "adresa": "Adresă",
        "cnp": "CNP",
        "creat_la": "Cont creat la",
        "nota_informare_acceptata_la": "Notă de informare acceptată la",
        "legat_de_roeid": "Legat de ROeID",
    }
    for key, label in labels.items():
        value = account[key]
        value = "da" if value is True else "nu" if value is False else (value or "—")
        lines.append(_Line(f"{label}: {value}"))
    lines.append(_Line("Firme reprezentate", True, 11))
    for company in data["firme"] or [{"denumire": "niciuna"}]:
        lines.append(
            _Line(
                " · ".join(
                    str(company[k]) for k in ("denumire", "cui", "calitate", "stare") if company.get(k)
                )
            )
        )
    lines.append(_Line("Documente", True, 11))
    for document in data["documente"] or [{"subiect": "niciunul"}]:
        head = f"Nr. {document['numar']} · " if document.get("numar") else ""
        lines.append(_Line(f"{head}{document.get('subiect')}", True))
        if document.get("institutie"):
            lines.append(_Line(f"{document['institutie']} · {document['tip']} · stare: {document['stare']}"))
        for step in document.get("istoric", []):
            lines.append(
                _Line(f"   {step['la'][:16].replace('T', ' ')}  {step['pas']} ({step['cine']})", size=8)
            )
    lines.append(_Line("Autentificări (cele mai recente)", True, 11))
    for event in data["autentificari"][:100]:
        result = "reușită" if event["reusita"] else f"eșuată ({event['motiv']})"
        lines.append(_Line(f"{event['la'][:19].replace('T', ' ')}  {result}  {event['ip'] or ''}", size=8))

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    pdf.setTitle("Datele mele - Ghișeul Unic")
    width, height = A4
    left, right, bottom = 18 * mm, width - 18 * mm, 18 * mm
    y = height - 20 * mm
    for line in lines:
        font = bold if line.bold else regular
        if line.size > 10:
            y -= 6
        for part in _wrap(line.text, font, line.size, right - left):
            if y < bottom:
                pdf.showPage()
                y = height - 20 * mm
            pdf.setFont(font, line.size)
            pdf.drawString(left, y, part)
            y -= line.size + 4
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# --- closing the account ----------------------------------------------------------------------------------------


def close_account(user: User) -> None:
    """Personal data removed from the account; what the law requires is kept: registered documents keep the
    sender's name and address in the register entry for their retention period (Law 16/1996, the file plan), and the
    audit log keeps who did what. The row stays so the documents still point to an account."""
    if user.is_staff:
        raise SelfServiceError(_("Conturile de personal se închid de administratorul instituției."), "staff")
    from app.portal.models import SubmissionDraft

    for draft in db.session.scalars(select(SubmissionDraft).where(SubmissionDraft.user_id == user.id)):
        db.session.delete(draft)
    for representation in db.session.scalars(select(Representation).where(Representation.user_id == user.id)):
        if representation.status in (RepresentationStatus.PENDING, RepresentationStatus.APPROVED):
            representation.status = RepresentationStatus.REVOKED
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.revoked = True
    closed = f"inchis-{user.id}"
    user.username = closed
    user.email = f"{closed}@cont-inchis.invalid"
    user.full_name = _("Cont închis")
    user.phone = user.address = user.cnp = user.roeid_subject = user.totp_secret = None
    user.totp_enabled_at = None
    user.is_active_account = False
    user.closed_at = now_utc()
    user.set_password(secrets.token_urlsafe(32))  # unknown to anyone
    record(ACCOUNT_CLOSED, actor=user)
