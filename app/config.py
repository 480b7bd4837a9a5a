"""Configuration comes from the environment; the defaults run the embedded SQLite demo under instance/."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    def __init__(self) -> None:
        instance = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
        self.INSTANCE_DIR = str(instance)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'registratura.db'}"
        )
        # A missing SECRET_KEY in production would silently invalidate sessions at every restart;
        # the quick local run gets a random one and a warning in the log instead.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
        self.SECRET_KEY_FROM_ENV = "SECRET_KEY" in os.environ
        self.STORAGE_DIR = os.environ.get("STORAGE_DIR", str(instance / "storage"))
        self.PROCESSES_DIR = os.environ.get("PROCESSES_DIR", str(ROOT / "processes"))
        self.FORMS_DIR = os.environ.get("FORMS_DIR", str(ROOT / "forms"))
        self.NODE_MODULES_DIR = os.environ.get("NODE_MODULES_DIR", str(ROOT / "node_modules"))
        self.FONT_DIR = os.environ.get("FONT_DIR", "/usr/share/fonts/truetype/dejavu")
        self.MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "10"))
        self.MAX_FILES_PER_REQUEST = int(os.environ.get("MAX_FILES_PER_REQUEST", "10"))
        # Images larger than this are refused from their header, before any pixel is decoded.
        self.UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", "50000000"))
        # Whole-request cap: several attachments plus form fields.
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_MB", "40")) * 1024 * 1024
        # The in-process scheduler is for the embedded demo only; a deployment runs `flask jobs run` (one process).
        self.SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", "DATABASE_URL" not in os.environ)
        self.SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "30"))
        self.TIMEZONE = os.environ.get("TIMEZONE", "Europe/Bucharest")
        self.BABEL_DEFAULT_LOCALE = "ro"
        self.BABEL_DEFAULT_TIMEZONE = self.TIMEZONE
        self.LANGUAGES = ["ro", "en"]
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead: long forms must not expire mid-typing
        # A deployment: DATABASE_URL set. Start-up then refuses without the keys below (app/operations/settings.py).
        self.PRODUCTION = "DATABASE_URL" in os.environ
        # Rate limits live in Redis, shared by every worker and node; `memory://` only for the embedded demo.
        self.REDIS_URL = os.environ.get("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "registratura")
        # How many reverse proxies in front of the application set X-Forwarded-* (werkzeug ProxyFix).
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.TESTING = _bool("TESTING", False)
        # Signing (docs/signing.md). The quick demo (no DATABASE_URL) signs with the committed TEST PKI and its
        # responders in process; a deployment sets its trust roots, its timestamp authority and this key.
        self.SIGNING_TEST_PKI = _bool("SIGNING_TEST_PKI", "DATABASE_URL" not in os.environ)
        self.SIGNING_KEY_ENCRYPTION_KEY = os.environ.get("SIGNING_KEY_ENCRYPTION_KEY")
        self.SIGNING_TRUST_ROOTS = [
            p for p in os.environ.get("SIGNING_TRUST_ROOTS", "").split(os.pathsep) if p
        ]
        self.SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL")
        self.SIGNING_PKCS11_MODULE = os.environ.get(
            "SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so"
        )
        self.SIGNING_LOCATION = os.environ.get("SIGNING_LOCATION", "România")
        # Seconds to wait for a remote signing provider (CSC API) before telling the signer to retry.
        self.SIGNING_CSC_TIMEOUT = float(os.environ.get("SIGNING_CSC_TIMEOUT", "30"))
        # In production the jobs process sends the outbox; the embedded demo (and the tests) also send right after
        # the commit that queued a message.
        self.NOTIFICATIONS_SEND_AFTER_COMMIT = _bool(
            "NOTIFICATIONS_SEND_AFTER_COMMIT", "DATABASE_URL" not in os.environ
        )
        # The audit log's HMAC key (docs/auditors.md): outside the database, so a database superuser who rewrites
        # the chain cannot recompute it. The demo and the tests use a fixed, public key; production must set one.
        self.AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or (
            None if "DATABASE_URL" in os.environ else "demo-audit-key-not-secret"
        )
        # The key of the access codes' keyed hash (app/registry/access_codes.py): outside the database. When not set
        # it is derived from SECRET_KEY; set it to rotate SECRET_KEY without invalidating the codes already issued.
        self.ACCESS_CODE_KEY = os.environ.get("ACCESS_CODE_KEY")
        # Outgoing mail (app/mail). Without MAIL_SERVER messages are written to the log (the quick demo).
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "Ghiseul Unic <nu-raspunde@registratura.example>")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        # National eID (ROeID) over OpenID Connect (app/identity/roeid.py; docs/operators.md, "ROeID").
        # Without ROEID_ISSUER the login page offers the password only.
        self.ROEID_ISSUER = os.environ.get("ROEID_ISSUER")
        self.ROEID_CLIENT_ID = os.environ.get("ROEID_CLIENT_ID")
        self.ROEID_CLIENT_SECRET = os.environ.get("ROEID_CLIENT_SECRET")
        self.ROEID_REDIRECT_URI = os.environ.get(
            "ROEID_REDIRECT_URI"
        )  # default: this site's /autentificare/roeid/raspuns
        self.ROEID_POST_LOGOUT_REDIRECT_URI = os.environ.get("ROEID_POST_LOGOUT_REDIRECT_URI")
        self.ROEID_SCOPES = os.environ.get("ROEID_SCOPES", "openid profile email phone address")
        # Password-reset links (app/portal/account.py) are valid this long.
        self.PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
