"""The argon2 hasher for passwords and recovery codes: production parameters (RFC 9106, low-memory profile)
everywhere except under TESTING, where the cheapest parameters keep the suite fast. Hashes carry their own
parameters, so a hash made with either verifies with either."""

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from flask import current_app, has_app_context

_production = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
_testing = PasswordHasher.from_parameters(CHEAPEST)


def password_hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return _testing
    return _production
