"""Passwords are hashed with argon2 at the production parameters (RFC 9106, low-memory profile); only an application
under TESTING uses the cheapest ones, and hashes made either way verify either way."""

from argon2 import extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from flask import Flask

from app.identity.hashing import password_hasher


def test_production_uses_the_rfc_9106_low_memory_parameters():
    production = Flask("production")
    production.config["TESTING"] = False
    with production.app_context():
        made = password_hasher().hash("o parolă lungă")
    assert extract_parameters(made) == RFC_9106_LOW_MEMORY
    assert "m=65536,t=3,p=4" in made
    assert extract_parameters(password_hasher().hash("fără context")) == RFC_9106_LOW_MEMORY


def test_only_testing_is_cheap_and_both_verify(app):
    with app.app_context():
        cheap = password_hasher().hash("o parolă lungă")
        assert extract_parameters(cheap) == CHEAPEST
    production = Flask("production")
    with production.app_context():
        assert password_hasher().verify(cheap, "o parolă lungă")
        strong = password_hasher().hash("o parolă lungă")
    with app.app_context():
        assert password_hasher().verify(strong, "o parolă lungă")
