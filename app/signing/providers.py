"""Remote signing providers (CSC API) registered by an institution's administrator: where the service is, the
OAuth client the institution holds there (secret encrypted at rest like the signing keys) and the roots its
certificates must chain to. Nothing provider-specific lives in code: a provider is configuration."""

import dataclasses
from datetime import datetime
from urllib.parse import urlsplit

from asn1crypto import pem, x509
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import db
from app.identity.models import Institution
from app.signing.keys import SigningRefused, decrypt, encrypt
from app.signing.pki import Pki, current_pki


class SigningProvider(db.Model):
    """A qualified trust service provider reached through the CSC API (v1, 1.0.4.0) with OAuth 2.0."""

    __tablename__ = "signing_providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))  # the part before /csc/v1/...
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_blob: Mapped[bytes] = mapped_column(LargeBinary)
    trust_roots_pem: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    institution: Mapped[Institution] = relationship()

    @property
    def client_secret(self) -> str:
        return decrypt(self.client_secret_blob).decode()

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        return parse_roots(self.trust_roots_pem)


def parse_roots(text: str) -> list[x509.Certificate]:
    roots = []
    data = (text or "").encode()
    if pem.detect(data):
        for _type, _headers, der in pem.unarmor(data, multiple=True):
            roots.append(x509.Certificate.load(der))
    return roots


def register_provider(
    institution: Institution,
    *,
    name: str,
    base_url: str,
    client_id: str,
    client_secret: str,
    trust_roots_pem: str,
    created_by=None,
) -> SigningProvider:
    """Check the fields and store the provider; the client secret only encrypted."""
    name, base_url, client_id = name.strip(), base_url.strip().rstrip("/"), client_id.strip()
    errors = []
    if not name:
        errors.append(_("Scrieți numele furnizorului."))
    url = urlsplit(base_url)
    if url.scheme not in ("https", "http") or not url.netloc:
        errors.append(
            _("Adresa serviciului CSC trebuie să fie o adresă https://… (partea dinaintea /csc/v1).")
        )
    if not client_id or not client_secret:
        errors.append(_("Scrieți identificatorul și secretul clientului OAuth primite de la furnizor."))
    try:
        roots = parse_roots(trust_roots_pem)
    except ValueError:
        roots = []
    if not roots:
        errors.append(_("Lipiți certificatele rădăcină ale furnizorului (format PEM)."))
    if errors:
        raise SigningRefused(" ".join(errors))
    provider = SigningProvider(
        institution_id=institution.id,
        name=name[:200],
        base_url=base_url[:500],
        client_id=client_id[:200],
        client_secret_blob=encrypt(client_secret.encode()),
        trust_roots_pem=trust_roots_pem.strip(),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(provider)
    db.session.flush()
    return provider


def active_providers(institution_id: int) -> list[SigningProvider]:
    return list(
        db.session.scalars(
            select(SigningProvider)
            .where(SigningProvider.institution_id == institution_id, SigningProvider.active.is_(True))
            .order_by(SigningProvider.name)
        )
    )


def provider_pki(provider: SigningProvider) -> Pki:
    """Trust for checking a provider's credential before signing: only the roots registered for it."""
    return dataclasses.replace(current_pki(), trust_roots=provider.trust_roots)


def institution_pki(institution_id: int) -> Pki:
    """Trust for validating what the institution issues: the platform's roots and those of its providers."""
    pki = current_pki()
    extra = [r for p in active_providers(institution_id) for r in p.trust_roots]
    known = {r.dump() for r in pki.trust_roots}
    extra = [r for r in extra if r.dump() not in known]
    return dataclasses.replace(pki, trust_roots=[*pki.trust_roots, *extra]) if extra else pki
