"""Validation of signed PDFs: a report per file (one entry per signature or document timestamp) that is stored and
shown in plain Romanian.

Each signature is judged twice: by pyhanko's own checks (intact, cryptographically valid, trusted chain, revoked,
timestamp, what changed after signing) and by the ETSI EN 319 102-1 AdES process (PASSED / INDETERMINATE /
FAILED with a sub-indication, the vocabulary of the EU's DSS validator). Online validation fetches OCSP and CRLs;
offline validation (the archive) uses only the file's own validation data."""

import asyncio
import logging
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation, ades_with_time_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError

from app.dates import format_datetime, now_utc
from app.extensions import db
from app.registry.models import Attachment
from app.signing.models import ReportStatus, SignatureReport
from app.signing.pdf import open_pdf
from app.signing.qualified import qualified_facts

log = logging.getLogger(__name__)

# pyhanko ModificationLevel names -> plain Romanian (what changed after the signature).
MODIFICATIONS = {
    "NONE": _l("niciuna"),
    "LTA_UPDATES": _l("doar date de validare și marcă temporală de arhivare"),
    "FORM_FILLING": _l("doar alte semnături și completarea câmpurilor de formular, permise"),
    "ANNOTATIONS": _l("adnotări adăugate după semnare"),
    "OTHER": _l("conținutul a fost modificat după semnare"),
}
ADES = {
    "PASSED": _l("valid"),
    "INDETERMINATE": _l("nedeterminat"),
    "FAILED": _l("invalid"),
}
# ETSI sub-indications a person may meet, in Romanian.
SUBINDICATIONS = {
    "OK": _l("toate verificările au trecut"),
    "HASH_FAILURE": _l("documentul a fost modificat după semnare"),
    "SIG_CRYPTO_FAILURE": _l("semnătura criptografică nu corespunde"),
    "REVOKED": _l("certificatul semnatarului a fost revocat"),
    "REVOKED_NO_POE": _l(
        "certificatul a fost revocat și nu există dovada că semnătura e anterioară revocării"
    ),
    "REVOKED_CA_NO_POE": _l("certificatul unei autorități din lanț a fost revocat"),
    "NO_CERTIFICATE_CHAIN_FOUND": _l("certificatul nu provine de la o autoritate de încredere"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": _l("lanțul de certificate nu a putut fi verificat complet"),
    "EXPIRED": _l("certificatul a expirat"),
    "OUT_OF_BOUNDS_NO_POE": _l(
        "certificatul era expirat la momentul verificării, fără dovadă de existență anterioară"
    ),
    "OUT_OF_BOUNDS_NOT_REVOKED": _l("certificatul a expirat după semnare (nu era revocat)"),
    "NO_POE": _l("lipsește dovada momentului semnării"),
    "TRY_LATER": _l("starea certificatului nu a putut fi aflată acum"),
    "NOT_YET_VALID": _l("certificatul nu era încă valabil"),
    "FORMAT_FAILURE": _l("semnătura are un format nerecunoscut"),
    "CHAIN_CONSTRAINTS_FAILURE": _l("lanțul de certificate nu respectă regulile"),
    "SIG_CONSTRAINTS_FAILURE": _l("semnătura nu respectă regulile de validare"),
    "CRYPTO_CONSTRAINTS_FAILURE": _l("algoritmii folosiți nu mai sunt considerați siguri"),
    "TIMESTAMP_ORDER_FAILURE": _l("mărcile temporale nu sunt în ordine"),
    "POLICY_PROCESSING_ERROR": _l("politica de semnătură nu a putut fi aplicată"),
}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _name(cert) -> tuple[str, str]:
    if cert is None:
        return "", ""
    subject = cert.subject.native
    return subject.get("common_name", cert.subject.human_friendly), subject.get("organization_name", "")


def _ades(signature, pki, online: bool, archived: bool) -> tuple[str, str, object]:
    """AdES with-time validation (B-T) for a file without document timestamp; the LTA process (the timestamp
    chain as evidence record) for an archived one."""
    spec = pki.ades_spec(online=online)
    try:
        if archived:
            result = asyncio.run(ades_lta_validation(signature, spec))
        else:
            result = asyncio.run(
                ades_with_time_validation(
                    signature.signed_data,
                    spec.signature_validation_spec,
                    raw_digest=signature.compute_digest(),
                )
            )
    except Exception as exc:  # an AdES run that breaks is reported, never raised at the user
        log.warning("AdES validation failed: %s", exc)
        return "INDETERMINATE", "FORMAT_FAILURE", None
    status = result.ades_subindic.status.name
    return status, result.ades_subindic.name, result.api_status


def _signature_entry(signature, pki, online: bool, archived: bool, context) -> dict:
    entry: dict = {"field": signature.field_name, "type": "semnatura"}
    try:
        status = validate_pdf_signature(signature, context())
    except (SignatureValidationError, ValueError) as exc:
        return {
            **entry,
            "intact": False,
            "valid": False,
            "error": str(exc)[:300],
            "ades": "FAILED",
            "ades_detail": "FORMAT_FAILURE",
        }
    signer, organization = _name(status.signing_cert)
    ts = status.timestamp_validity
    level = status.modification_level.name if status.modification_level is not None else None
    ades, detail, _api = _ades(signature, pki, online, archived)
    certification = signature.docmdp_level
    entry.update(
        signer=signer,
        organization=organization,
        signing_time=_iso(ts.timestamp if ts else status.signer_reported_dt),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        timestamp=ts is not None,
        timestamp_time=_iso(ts.timestamp) if ts else None,
        timestamp_trusted=bool(ts.trusted) if ts else None,
        modification_level=level,
        coverage=status.coverage.name if status.coverage is not None else None,
        docmdp_ok=status.docmdp_ok,
        certified=certification is not None,
        ades=ades,
        ades_detail=detail,
        bottom_line=bool(status.bottom_line),
        **qualified_facts(status.signing_cert),
    )
    return entry


def _timestamp_entry(signature, pki, online: bool, context) -> dict:
    entry: dict = {"field": signature.field_name, "type": "marca_temporala"}
    try:
        status = validate_pdf_timestamp(signature, validation_context=context())
    except (SignatureValidationError, ValueError) as exc:
        return {
            **entry,
            "intact": False,
            "valid": False,
            "error": str(exc)[:300],
            "ades": "FAILED",
            "ades_detail": "FORMAT_FAILURE",
        }
    authority, organization = _name(status.signing_cert)
    good = bool(status.intact and status.valid and status.trusted)
    entry.update(
        signer=authority,
        organization=organization,
        signing_time=_iso(status.timestamp),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        timestamp=True,
        timestamp_time=_iso(status.timestamp),
        modification_level=status.modification_level.name if status.modification_level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        ades="PASSED" if good else ("FAILED" if not status.intact else "INDETERMINATE"),
        ades_detail="OK" if good else ("HASH_FAILURE" if not status.intact else "NO_CERTIFICATE_CHAIN_FOUND"),
        bottom_line=good,
    )
    return entry


def signature_count(data: bytes) -> int:
    return len(open_pdf(data).embedded_signatures)


def validate_pdf(data: bytes, pki, online: bool = True) -> dict:
    """The report of every signature in `data`. Raises UnreadablePdf for an encrypted or malformed file."""
    reader = open_pdf(data)
    signatures = reader.embedded_signatures
    archived = any(s.sig_object_type == "/DocTimeStamp" for s in signatures)
    if online:

        def context():
            return pki.validation_context(online=True)
    else:
        # Local data only: the certificates, OCSP responses and CRLs in the file's document security store.
        dss = DocumentSecurityStore.read_dss(reader) if archived else None

        def context():
            kwargs = {
                "trust_roots": pki.trust_roots,
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
                "retroactive_revinfo": True,
            }
            return (
                dss.as_validation_context(kwargs) if dss is not None else pki.validation_context(online=False)
            )

    entries = []
    for signature in signatures:
        if signature.sig_object_type == "/DocTimeStamp":
            entries.append(_timestamp_entry(signature, pki, online, context))
        else:
            entries.append(_signature_entry(signature, pki, online, archived, context))
    return {
        "status": overall(entries),
        "checked_at": _iso(now_utc()),
        "online": online,
        "signatures": entries,
    }


def overall(entries: list[dict]) -> str:
    if not entries:
        return ReportStatus.INDETERMINATE
    if any(
        not e.get("intact") or not e.get("valid") or e.get("revoked") or e.get("ades") == "FAILED"
        for e in entries
    ):
        return ReportStatus.INVALID
    if any(e.get("modification_level") in ("ANNOTATIONS", "OTHER") for e in entries):
        return ReportStatus.INVALID
    if all(e.get("ades") == "PASSED" and e.get("trusted") for e in entries):
        return ReportStatus.VALID
    return ReportStatus.INDETERMINATE


def first_problem(report: dict) -> str:
    """One sentence for an error message: what is wrong with the first signature that is not valid."""
    for entry in report["signatures"]:
        who = entry.get("signer") or entry.get("field")
        if not entry.get("intact") or not entry.get("valid"):
            return (
                f"semnătura lui {who} nu mai corespunde documentului: fișierul a fost modificat după semnare"
            )
        if entry.get("revoked"):
            return f"certificatul lui {who} a fost revocat"
        if entry.get("modification_level") in ("ANNOTATIONS", "OTHER"):
            return f"documentul a fost modificat după semnătura lui {who}"
        if not entry.get("trusted"):
            return f"certificatul lui {who} nu provine de la o autoritate de certificare de încredere"
        if entry.get("ades") != "PASSED":
            reason = SUBINDICATIONS.get(entry.get("ades_detail"), entry.get("ades_detail"))
            return f"semnătura lui {who} nu a putut fi confirmată ({reason})"
    return "documentul nu conține semnături"


def plain_lines(entry: dict) -> list[tuple[bool | None, str]]:
    """The report of one signature as (good?, sentence) pairs for the document pages."""
    lines: list[tuple[bool | None, str]] = []
    when = format_datetime(datetime.fromisoformat(entry["signing_time"])) if entry.get("signing_time") else ""
    if entry.get("error"):
        return [(False, _("Semnătura nu a putut fi citită: fișierul este deteriorat sau a fost modificat."))]
    if entry["type"] == "marca_temporala":
        lines.append(
            (
                None,
                _(
                    "Marcă temporală de arhivare de la %(signer)s, %(when)s.",
                    signer=entry.get("signer", ""),
                    when=when,
                ),
            )
        )
    else:
        org = f" ({entry['organization']})" if entry.get("organization") else ""
        signed_by = entry.get("signer", "") + org
        if when:
            lines.append((None, _("Semnat de %(signer)s, la %(when)s.", signer=signed_by, when=when)))
        else:
            lines.append((None, _("Semnat de %(signer)s.", signer=signed_by)))
        if entry.get("certified"):
            lines.append(
                (None, _("Prima semnătură certifică documentul: după ea sunt permise doar alte semnături."))
            )
    if entry.get("intact") and entry.get("valid"):
        lines.append((True, _("Documentul nu a fost modificat după semnare.")))
    else:
        lines.append((False, _("Documentul a fost modificat după semnare: semnătura nu mai corespunde.")))
    if entry.get("trusted"):
        lines.append((True, _("Certificatul provine de la o autoritate de certificare de încredere.")))
    else:
        lines.append(
            (
                False,
                _(
                    "Certificatul nu provine de la o autoritate de certificare de încredere (rădăcină necunoscută)."
                ),
            )
        )
    if entry.get("qualified"):
        if entry.get("qscd"):
            text = _(
                "Certificat calificat conform eIDAS (declarat în certificat: QcCompliance, cu cheia într-un dispozitiv calificat (QSCD))."
            )
        else:
            text = _("Certificat calificat conform eIDAS (declarat în certificat: QcCompliance).")
        lines.append((True, text))
    elif entry["type"] == "semnatura" and "qualified" in entry:
        lines.append(
            (
                None,
                _("Certificatul nu este declarat calificat: semnătură electronică avansată, nu calificată."),
            )
        )
    if entry.get("revoked"):
        lines.append((False, _("Certificatul a fost revocat de emitent.")))
    elif entry.get("trusted"):
        lines.append((True, _("Certificatul nu este revocat (verificat prin OCSP/CRL).")))
    if entry["type"] == "semnatura":
        if entry.get("timestamp"):
            ts_when = (
                format_datetime(datetime.fromisoformat(entry["timestamp_time"]))
                if entry.get("timestamp_time")
                else ""
            )
            lines.append((True, _("Marcă temporală: %(when)s.", when=ts_when)))
        else:
            lines.append((None, _("Fără marcă temporală: ora semnării este cea declarată de semnatar.")))
    level = entry.get("modification_level")
    if level:
        lines.append(
            (
                level not in ("ANNOTATIONS", "OTHER"),
                _("Modificări după semnare: %(what)s.", what=MODIFICATIONS.get(level, level)),
            )
        )
    ades = entry.get("ades")
    if ades:
        detail = SUBINDICATIONS.get(entry.get("ades_detail"), entry.get("ades_detail") or "")
        good = {"PASSED": True, "FAILED": False}.get(ades)
        lines.append(
            (
                good,
                _(
                    "Rezultat după standardul european (ETSI): %(result)s (%(code)s) – %(detail)s.",
                    result=ADES.get(ades, ades),
                    code=ades,
                    detail=detail,
                ),
            )
        )
    return lines


STATUS_LABELS = {
    ReportStatus.VALID: _l("Semnături valide"),
    ReportStatus.INDETERMINATE: _l("Semnături care nu au putut fi confirmate"),
    ReportStatus.INVALID: _l("Semnături invalide"),
}


def store_report(attachment: Attachment, report: dict, direction: str) -> SignatureReport:
    """Keep a validation report of a stored attachment (files entering and leaving)."""
    row = SignatureReport(
        attachment_id=attachment.id,
        document_id=attachment.document_id,
        sha256=attachment.sha256,
        direction=direction,
        status=report["status"],
        signatures=report["signatures"],
    )
    db.session.add(row)
    return row
