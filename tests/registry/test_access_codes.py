"""Access codes: random, typable, stored only as a hash, replaced by a new issue."""

import re

import pytest
from sqlalchemy import select

from app.dates import format_date, now_utc, to_local
from app.extensions import db
from app.identity.models import Institution
from app.registry.access_codes import ALPHABET, document_for_code, issue_access_code, parse_number_label
from app.registry.models import Document, DocumentType
from app.registry.numbering import register

pytestmark = pytest.mark.date_sensitive


def _registered(institution_code="cj-brasov"):
    institution = db.session.scalar(select(Institution).where(Institution.code == institution_code))
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    document = Document(
        institution_id=institution.id,
        document_type_id=doc_type.id,
        sender_name="Vasile Pop",
        subject="Groapă în asfalt",
        channel="hartie",
    )
    db.session.add(document)
    db.session.flush()
    register(document)
    db.session.flush()
    return document


def test_code_format_and_only_a_hash_is_stored(ctx):
    document = _registered()
    code = issue_access_code(document)
    assert re.fullmatch(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", code)
    assert not set("01OIL") & set(code.replace("-", ""))
    assert document.access_code_hash and code.replace("-", "") not in document.access_code_hash
    # a keyed hash (HMAC-SHA256, base64url), not the 64 hexadecimal characters of the old scrypt hashes
    assert re.fullmatch(r"k1:[A-Za-z0-9_-]{43}", document.access_code_hash)


def test_code_opens_the_document_by_full_label_or_number_only(ctx):
    document = _registered()
    code = issue_access_code(document)
    db.session.flush()
    assert document_for_code(document.registration_label, code) is document
    assert document_for_code(str(document.registration_number), code) is document
    # typed loosely: lower case, without the dash, with spaces
    assert document_for_code(f" {document.registration_number} ", code.lower().replace("-", " ")) is document


def test_wrong_code_number_or_date_gives_nothing(ctx):
    document = _registered()
    code = issue_access_code(document)
    db.session.flush()
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    assert document_for_code(document.registration_label, wrong) is None
    assert document_for_code(f"{document.registration_number + 1}", code) is None
    local = to_local(document.registered_at)
    other_day = (
        f"{document.registration_number}/01.01.{local.year}"
        if (local.month, local.day) != (1, 1)
        else (f"{document.registration_number}/02.01.{local.year}")
    )
    assert document_for_code(other_day, code) is None
    for garbage in ("", "abc", "1/32.13.2026", "1/21.11.2026; drop table", "x" * 500):
        assert document_for_code(garbage, code) is None
    assert document_for_code(document.registration_label, "") is None
    assert document_for_code(document.registration_label, code + "A") is None


def test_a_new_code_replaces_the_old(ctx):
    document = _registered()
    first = issue_access_code(document)
    second = issue_access_code(document)
    db.session.flush()
    assert document_for_code(document.registration_label, second) is document
    if first != second:
        assert document_for_code(document.registration_label, first) is None


def test_same_number_in_two_institutions(ctx):
    council, town_hall = _registered("cj-brasov"), _registered("pm-sacele")
    assert (
        council.registration_number == town_hall.registration_number == 1
    )  # each institution numbers its own
    code_council, code_town = issue_access_code(council), issue_access_code(town_hall)
    db.session.flush()
    assert document_for_code("1", code_council) is council
    assert document_for_code("1", code_town) is town_hall
    assert document_for_code("1", code_town, institution_id=council.institution_id) is None


def test_parse_number_label():
    today = format_date(now_utc())
    number, year, day = parse_number_label(f"12/{today}")
    assert number == 12 and format_date(day) == today and year == day.year
    assert parse_number_label("12")[:2] == (12, to_local(now_utc()).year)
    assert parse_number_label("12/30.02.2026") is None


def test_codes_hashed_with_scrypt_before_the_keyed_hash_still_open_their_document(ctx):
    from app.registry.access_codes import _scrypt_hash

    document = _registered()
    document.access_code_hash = _scrypt_hash(
        "KX7MQ2ZP", document.registration_number, document.registration_year
    )
    db.session.flush()
    assert len(document.access_code_hash) == 64
    assert document_for_code(document.registration_label, "KX7M-Q2ZP") is document
    assert document_for_code(document.registration_label, "KX7M-Q2ZR") is None


def test_the_hash_depends_on_the_key_kept_outside_the_database(app, ctx):
    document = _registered()
    code = issue_access_code(document)
    db.session.flush()
    previous = app.config.get("ACCESS_CODE_KEY")
    app.config["ACCESS_CODE_KEY"] = "another-key"
    try:
        # the same code under another key: the stored hash alone does not let anyone check guesses
        assert document_for_code(document.registration_label, code) is None
        renewed = issue_access_code(document)
        db.session.flush()
        assert document_for_code(document.registration_label, renewed) is document
    finally:
        app.config["ACCESS_CODE_KEY"] = previous
