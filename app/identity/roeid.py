"""Login with the national eID (ROeID) over OpenID Connect: authorization code flow with PKCE, state and nonce, the
ID token checked (signature against the provider's published keys, issuer, audience, expiry, nonce) with Authlib and
joserfc. The first login creates the account from the claims, or links the existing account with the same CNP once
the person confirms; a later login with a CNP claim other than the linked account's is refused. Logout ends the
session at the provider too (RP-initiated logout).

Claims used (ROeID's names first, the OIDC standard ones as a fallback): sub, cnp, nume/prenume (family_name,
given_name, name), email and email_verified, telefon (phone_number), address (the OIDC address object)."""

import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, session, url_for
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from app.audit import record
from app.dates import now_utc
from app.extensions import db
from app.identity.models import User
from app.identity.persons import clean_cnp

ROEID_REFUSED = "roeid_refused"
ROEID_ACCOUNT_CREATED = "roeid_account_created"
ROEID_LINKED = "roeid_linked"

_SESSION_FLOW = "roeid_flow"  # state, nonce, PKCE verifier of the login under way
_SESSION_LINK = "roeid_link"  # an account found by CNP, waiting for the person's confirmation (no CNP inside)
SESSION_ID_TOKEN = "roeid_id_token"  # noqa: S105 - a session key, kept for the logout at the provider
FLOW_SECONDS = 600
ALGORITHMS = ["RS256", "PS256", "ES256"]
_HTTP_TIMEOUT = 10
_METADATA_SECONDS = 3600
_cache: dict[str, tuple[float, dict, KeySet | None]] = {}


class RoeidError(Exception):
    """A refused login: `reason` is the code kept in the audit log, the message is for the person."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def enabled() -> bool:
    cfg = current_app.config
    return bool(cfg.get("ROEID_ISSUER") and cfg.get("ROEID_CLIENT_ID") and cfg.get("ROEID_CLIENT_SECRET"))


def _issuer() -> str:
    return current_app.config["ROEID_ISSUER"].rstrip("/")


def _redirect_uri() -> str:
    return current_app.config.get("ROEID_REDIRECT_URI") or url_for("roeid.callback", _external=True)


def _unavailable(exc: Exception) -> RoeidError:
    current_app.logger.warning("ROeID unavailable: %s", exc)
    return RoeidError(
        "provider_unavailable", _("ROeID nu răspunde acum. Încercați din nou peste câteva minute.")
    )


def metadata(refresh: bool = False) -> dict:
    """The provider's discovery document, cached; its issuer must be the configured one (OIDC Discovery §4.3)."""
    issuer = _issuer()
    cached = _cache.get(issuer)
    if cached and not refresh and time.monotonic() - cached[0] < _METADATA_SECONDS:
        return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=_HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _unavailable(exc) from exc
    if data.get("issuer", "").rstrip("/") != issuer:
        raise RoeidError(
            "issuer_mismatch", _("Configurarea ROeID nu corespunde furnizorului. Anunțați operatorul.")
        )
    _cache[issuer] = (time.monotonic(), data, None)
    return data


def _keys(refresh: bool = False) -> KeySet:
    issuer = _issuer()
    meta = metadata()
    cached = _cache.get(issuer)
    if cached and cached[2] is not None and not refresh:
        return cached[2]
    try:
        response = requests.get(meta["jwks_uri"], timeout=_HTTP_TIMEOUT)
        response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise _unavailable(exc) from exc
    _cache[issuer] = (cached[0] if cached else time.monotonic(), meta, keys)
    return keys


def _client() -> OAuth2Session:
    cfg = current_app.config
    return OAuth2Session(
        cfg["ROEID_CLIENT_ID"],
        cfg["ROEID_CLIENT_SECRET"],
        scope=cfg["ROEID_SCOPES"],
        redirect_uri=_redirect_uri(),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


def start_login(next_url: str | None = None) -> str:
    """The provider's authorization URL; state, nonce and the PKCE verifier wait in the session."""
    meta = metadata()
    verifier, nonce = generate_token(64), generate_token(32)
    url, state = _client().create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    session[_SESSION_FLOW] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "at": int(time.time()),
        "next": next_url,
    }
    return url


def check_id_token(id_token: str, nonce: str) -> dict:
    """The ID token's claims, or RoeidError: signature by one of the provider's keys, issuer, audience (and azp when
    several audiences), expiry and issue time, nonce (OIDC Core §3.1.3.7)."""
    client_id = current_app.config["ROEID_CLIENT_ID"]
    try:
        try:
            token = jwt.decode(id_token, _keys(), algorithms=ALGORITHMS)
        except JoseError:
            # The provider may have rotated its keys since they were cached: fetch them once more.
            token = jwt.decode(id_token, _keys(refresh=True), algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise RoeidError(
            "bad_signature",
            _("Răspunsul ROeID nu poartă o semnătură validă. Autentificarea a fost refuzată."),
        ) from exc
    registry = jwt.JWTClaimsRegistry(
        now=lambda: int(now_utc().timestamp()),
        leeway=60,
        iss={"essential": True, "value": _issuer()},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = token.claims
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise RoeidError("expired", _("Răspunsul ROeID a expirat. Autentificați-vă din nou.")) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "") or str(exc)
        reason = {"iss": "issuer_mismatch", "aud": "audience_mismatch", "nonce": "nonce_mismatch"}.get(
            claim, f"claim_{re.sub(r'[^a-z_]', '', str(claim).lower())[:20]}"
        )
        raise RoeidError(
            reason, _("Răspunsul ROeID nu este destinat acestui site sau acestei autentificări. Reîncercați.")
        ) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise RoeidError(
            "audience_mismatch",
            _("Răspunsul ROeID nu este destinat acestui site sau acestei autentificări. Reîncercați."),
        )
    return claims


def finish_login(args: dict) -> tuple[dict, str]:
    """The callback: state checked against the session (single use), the code exchanged with the PKCE verifier, the
    ID token checked, the user-info claims fetched for the same subject. Returns (claims, id_token)."""
    flow = session.pop(_SESSION_FLOW, None)
    if not flow or time.time() - flow.get("at", 0) > FLOW_SECONDS:
        raise RoeidError(
            "no_flow", _("Autentificarea ROeID nu a fost pornită de aici sau a expirat. Porniți-o din nou.")
        )
    if not args.get("state") or args.get("state") != flow["state"]:
        raise RoeidError(
            "state_mismatch", _("Răspunsul ROeID nu corespunde autentificării pornite. Porniți-o din nou.")
        )
    if args.get("error"):
        if args.get("error") == "access_denied":
            raise RoeidError("denied", _("Autentificarea cu ROeID a fost anulată."))
        raise RoeidError("provider_error", _("ROeID a refuzat autentificarea. Încercați din nou."))
    if not args.get("code"):
        raise RoeidError("no_code", _("Răspunsul ROeID este incomplet. Porniți din nou autentificarea."))
    meta = metadata()
    client = _client()
    try:
        token = client.fetch_token(
            meta["token_endpoint"],
            code=args["code"],
            state=flow["state"],
            code_verifier=flow["verifier"],
            timeout=_HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise _unavailable(exc) from exc
    except Exception as exc:  # Authlib's OAuthError for invalid_grant (a code used twice, a wrong verifier)
        raise RoeidError(
            "code_refused",
            _("Codul de autentificare ROeID nu mai este valabil. Porniți din nou autentificarea."),
        ) from exc
    if not token.get("id_token"):
        raise RoeidError("no_id_token", _("Răspunsul ROeID este incomplet. Porniți din nou autentificarea."))
    claims = dict(check_id_token(token["id_token"], flow["nonce"]))
    if meta.get("userinfo_endpoint"):
        try:
            response = client.get(meta["userinfo_endpoint"], timeout=_HTTP_TIMEOUT)
            response.raise_for_status()
            info = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise _unavailable(exc) from exc
        if info.get("sub") != claims["sub"]:  # OIDC Core §5.3.2: the user info must be about the same person
            raise RoeidError(
                "userinfo_subject", _("Răspunsul ROeID nu este coerent. Autentificarea a fost refuzată.")
            )
        claims.update({k: v for k, v in info.items() if k not in ("iss", "aud", "exp", "iat", "nonce")})
    return claims, token["id_token"]


@dataclass
class Person:
    subject: str
    full_name: str
    cnp: str | None
    email: str | None
    email_verified: bool
    phone: str | None
    address: str | None


def person_from_claims(claims: dict) -> Person:
    given = (claims.get("prenume") or claims.get("given_name") or "").strip()
    family = (claims.get("nume") or claims.get("family_name") or "").strip()
    full_name = " ".join(p for p in (given, family) if p) or (claims.get("name") or "").strip()
    raw_cnp = str(claims.get("cnp") or "").strip()
    cnp, error = clean_cnp(raw_cnp)
    if raw_cnp and error:
        raise RoeidError(
            "invalid_cnp", _("CNP-ul transmis de ROeID nu este valid. Autentificarea a fost refuzată.")
        )
    address = claims.get("address")
    if isinstance(address, dict):
        address = address.get("formatted") or ", ".join(
            str(address[k])
            for k in ("street_address", "locality", "region", "postal_code", "country")
            if address.get(k)
        )
    email = (claims.get("email") or "").strip().lower() or None
    return Person(
        subject=str(claims["sub"]),
        full_name=full_name[:200] or _("Persoană autentificată cu ROeID"),
        cnp=cnp,
        email=email,
        email_verified=bool(claims.get("email_verified")) and email is not None,
        phone=(str(claims.get("telefon") or claims.get("phone_number") or "").strip()[:30] or None),
        address=(str(address).strip()[:300] or None) if address else None,
    )


def refuse(error: RoeidError, user: User | None = None, subject: str | None = None) -> None:
    """Log a refused ROeID login (the caller commits only this: nothing else changes)."""
    record(ROEID_REFUSED, actor=user, target=(subject or "")[:80] or None, data={"reason": error.reason})


def account_for(person: Person) -> tuple[User | None, User | None]:
    """(the linked account, or None; an account to link after confirmation, or None). RoeidError when the linked
    account's CNP differs from the claim, or the account is closed."""
    linked = db.session.scalar(select(User).where(User.roeid_subject == person.subject))
    if linked is not None:
        if linked.cnp and person.cnp and linked.cnp != person.cnp:
            raise RoeidError(
                "cnp_mismatch",
                _(
                    "CNP-ul transmis de ROeID diferă de cel al contului legat. Din motive de siguranță "
                    "autentificarea a fost refuzată; contactați instituția."
                ),
            )
        if not linked.is_active:
            raise RoeidError("inactive", _("Contul legat de această identitate este închis sau dezactivat."))
        return linked, None
    candidate = None
    if person.cnp:
        candidate = db.session.scalar(select(User).where(User.cnp == person.cnp))
    if candidate is None and person.email and person.email_verified:
        candidate = db.session.scalar(
            select(User).where(func.lower(User.email) == person.email, User.cnp.is_(None))
        )
    if candidate is not None:
        if candidate.roeid_subject is not None or not candidate.is_active:
            raise RoeidError(
                "linked_elsewhere",
                _("Contul cu aceste date este deja legat de o altă identitate ROeID sau este închis."),
            )
        if candidate.is_staff:
            raise RoeidError(
                "staff_account", _("Conturile de personal se autentifică doar cu utilizator și parolă.")
            )
    return None, candidate


def create_account(person: Person) -> User:
    """An account from the claims; the provider vouched for the e-mail when it says so (no confirmation step).
    No password: the person may set one later with "Am uitat parola"."""
    email = person.email
    if email is None or db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise RoeidError(
            "email_taken",
            _(
                "Adresa de e-mail transmisă de ROeID aparține altui cont. Autentificați-vă cu parola acelui cont "
                "sau folosiți recuperarea parolei."
            )
            if email
            else _("ROeID nu a transmis o adresă de e-mail; aceasta este necesară pentru cont."),
        )
    user = User(
        username=email,
        email=email,
        full_name=person.full_name,
        phone=person.phone,
        address=person.address,
        cnp=person.cnp,
        email_verified=person.email_verified,
        email_verified_at=now_utc() if person.email_verified else None,
        roeid_subject=person.subject,
        privacy_accepted_at=now_utc(),  # the login page shows the notice beside the ROeID button
    )
    user.set_password(generate_token(48))  # unknown to anyone: a password is set through the reset link
    db.session.add(user)
    db.session.flush()
    record(ROEID_ACCOUNT_CREATED, actor=user, data={"email_verified": person.email_verified})
    return user


def remember_link(user: User, person: Person, next_url: str | None) -> None:
    session[_SESSION_LINK] = {
        "user": user.id,
        "subject": person.subject,
        "email": person.email if person.email_verified else None,
        "at": int(time.time()),
        "next": next_url,
    }


def pending_link() -> dict | None:
    pending = session.get(_SESSION_LINK)
    if not pending or time.time() - pending.get("at", 0) > FLOW_SECONDS:
        session.pop(_SESSION_LINK, None)
        return None
    return pending


def confirm_link(pending: dict) -> User:
    session.pop(_SESSION_LINK, None)
    user = db.session.get(User, pending["user"])
    if user is None or user.roeid_subject is not None or not user.is_active:
        raise RoeidError(
            "link_stale", _("Legarea nu mai este posibilă. Porniți din nou autentificarea ROeID.")
        )
    if db.session.scalar(select(User.id).where(User.roeid_subject == pending["subject"])):
        raise RoeidError("linked_elsewhere", _("Această identitate ROeID este deja legată de un alt cont."))
    user.roeid_subject = pending["subject"]
    if not user.email_verified and pending.get("email") and pending["email"] == user.email.lower():
        user.email_verified, user.email_verified_at = True, now_utc()
    record(ROEID_LINKED, actor=user)
    return user


def cancel_link() -> None:
    session.pop(_SESSION_LINK, None)


def end_session_url(id_token: str | None) -> str | None:
    """Where the browser goes after our logout so the session at ROeID ends too; None without a ROeID login."""
    if not id_token or not enabled():
        return None
    try:
        endpoint = metadata().get("end_session_endpoint")
    except RoeidError:
        return None
    if not endpoint:
        return None
    target = current_app.config.get("ROEID_POST_LOGOUT_REDIRECT_URI") or url_for(
        "identity.login", _external=True
    )
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": target,
        "client_id": current_app.config["ROEID_CLIENT_ID"],
    }
    return f"{endpoint}?{urlencode(params)}"
