"""Interface language: Romanian by default (the msgids), English from the compiled catalogue on request.
The English catalogue must stay complete and in step with the strings in the code."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.webflow import submit_petition

pytestmark = pytest.mark.date_sensitive

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")
FOREIGN_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def msgids(catalog) -> set:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="session")
def english(app):
    """The English .mo is build output (`make test` compiles it); compile it here when missing or stale."""
    if not EN_MO.exists() or EN_MO.stat().st_mtime < EN_PO.stat().st_mtime:
        catalog = read_catalog(EN_PO)
        with EN_MO.open("wb") as f:
            write_mo(f, catalog)
        # Flask-Babel caches the catalogue per language: forget one loaded before the .mo existed.
        from flask_babel import get_domain

        with app.test_request_context():
            get_domain().cache.clear()
    return app


def english_client(client):
    client.get("/?lang=en")
    return client


# --- language selection ---


def test_romanian_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ro">' in html
    assert "Ghișeul Unic" in html and "Autentificare" in html and "Cont nou" in html
    assert ">English</a>" in html  # the switch offers the other language
    assert "Sign in" not in html and "New account" not in html


def test_lang_en_switches_and_sticks_for_the_session(english, client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "One-Stop Shop" in html and "Sign in" in html and "New account" in html
    assert ">Română</a>" in html
    assert "Autentificare" not in html and "Cont nou" not in html

    # No parameter on the next pages: the choice is remembered in the session.
    login_page = client.get("/autentificare").get_data(as_text=True)
    assert '<html lang="en">' in login_page
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Sign in\s*</button>', login_page)
    assert "Username or email" in login_page and "Password" in login_page
    assert "Intră în cont" not in login_page and "Parola" not in login_page

    # and back to Romanian
    html = client.get("/?lang=ro").get_data(as_text=True)
    assert '<html lang="ro">' in html and "Autentificare" in html
    assert '<html lang="ro">' in client.get("/autentificare").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="ro">' in html


def test_logged_in_navigation_in_english(english, login_as):
    client = english_client(login_as("cetatean"))
    html = client.get("/").get_data(as_text=True)
    assert "Submit a request" in html and "My documents" in html and "Sign out" in html
    assert "Depune o cerere" not in html and "Documentele mele" not in html and "Ieșire" not in html


def test_form_validation_errors_follow_the_interface_language(english, login_as):
    client = english_client(login_as("cetatean"))
    response = submit_petition(client, subject="", content="scurt")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "The form has errors. Correct the marked fields and submit again." in html
    assert "This field is required." in html
    assert "Enter at least 20 characters." in html
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Send\s*</button>', html)
    assert "Câmpul este obligatoriu." not in html and "cel puțin 20" not in html


def test_dates_are_dd_mm_yyyy_in_both_languages(app, english, login_as):
    from app.dates import format_date, now_utc

    client = login_as("cetatean")
    location = submit_petition(client).headers["Location"]
    with app.app_context():
        today = format_date(now_utc())
    assert DATE.fullmatch(today)

    # Online submissions are numbered at once: the list shows "Nr. 1/21.11.2026".
    for lang, number in (("ro", "Nr."), ("en", "No.")):
        client.get(f"/?lang={lang}")
        listing = client.get("/documentele-mele").get_data(as_text=True)
        assert f'<html lang="{lang}">' in listing
        assert f'<span class="doc-number">{number} 1/{today}</span>' in listing, lang
        page = client.get(location).get_data(as_text=True)
        assert today in page, lang
        assert DATE.search(page) and not FOREIGN_DATE.search(page), lang


# --- the catalogue itself ---


def test_a_register_direction_is_not_the_sign_out_button_in_english(english):
    """ "Ieșire" is both the sign-out button and the outgoing direction: the direction has its own context."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = '{% from "registry/_entry.html" import direction_label %}{{ direction_label(code) }}'
    with english.test_request_context("/"):
        with force_locale("en"):
            labels = [
                render_template_string(template, code=c).strip() for c in ("intrare", "iesire", "intern")
            ]
            assert labels == ["Incoming", "Outgoing", "Internal"]
            assert render_template_string('{{ _("Ieșire") }}') == "Sign out"
        with force_locale("ro"):
            assert render_template_string(template, code="iesire").strip() == "Ieșire"
