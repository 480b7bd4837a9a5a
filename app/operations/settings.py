"""Production settings that must not fail open, and the reverse proxies in front of the application.

A deployment (DATABASE_URL set) refuses to start without the keys that must be the same on every worker and every
node: a random SECRET_KEY per gunicorn worker breaks sessions and CSRF at random, a missing key encryption key
leaves signing keys unreadable, a missing audit key leaves the audit log unauthenticated. The embedded demo keeps
its generated defaults."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


class UnsafeConfiguration(RuntimeError):
    pass


REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "signs sessions and CSRF tokens; the same value on every worker and node",
    "SIGNING_KEY_ENCRYPTION_KEY": "encrypts the institutions' signing keys at rest",
    "AUDIT_HMAC_KEY": "authenticates the audit log (docs/auditors.md)",
    "REDIS_URL": "rate limits shared by every worker and node, e.g. redis://127.0.0.1:6379/0",
}


def missing_settings(config) -> list[str]:
    missing = []
    for name in REQUIRED_IN_PRODUCTION:
        if name == "SECRET_KEY":
            if not config.get("SECRET_KEY_FROM_ENV"):
                missing.append(name)
        elif name == "REDIS_URL":
            # Rate limits need a shared store unless they are off or given one explicitly.
            uri = config.get("RATELIMIT_STORAGE_URI") or ""
            if config.get("RATELIMIT_ENABLED", True) and not config.get(name) and uri.startswith("memory://"):
                missing.append(name)
        elif not config.get(name):
            missing.append(name)
    return missing


def check_production_settings(config) -> None:
    """Raise UnsafeConfiguration naming every missing setting, when running as a deployment."""
    if not config.get("PRODUCTION"):
        return
    missing = missing_settings(config)
    if missing:
        lines = "\n".join(f"  {name}: {REQUIRED_IN_PRODUCTION[name]}" for name in missing)
        raise UnsafeConfiguration(
            f"Refusing to start: DATABASE_URL is set (a deployment) but these settings are missing:\n{lines}\n"
            "Set them in the environment (docs/operators.md)."
        )


def trust_proxies(app: Flask) -> None:
    """TRUSTED_PROXIES reverse proxies (load balancer, ingress) set X-Forwarded-For/-Proto/-Host: the client's
    address is then the one they saw, for throttling, tracking limits and the audit log. 0: headers ignored."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
