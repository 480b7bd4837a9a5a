"""The inbox on a phone (390x844): views with counts, search, the returned draft with its comments on top."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, in_thread, login, shoot
from tests.routes import do, submit_petition

pytestmark = pytest.mark.real_commits


def test_official_works_the_inbox_on_a_phone(app, page: Page, screenshot_dir: Path):
    def prepare():
        returned = submit_petition(subject="Groapă în asfalt pe strada Lungă")
        do(returned, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(returned, "repartizare", "sef.serviciu", {"referent": "referent"})
        do(returned, "redactare", "referent", {"raspuns": "Vom repara groapa luna aceasta."})
        do(
            returned,
            "aprobare",
            "sef.serviciu",
            {"decizie": "returneaza", "observatii_sef": "Scrieți data exactă."},
        )
        other = submit_petition(subject="Iluminat public pe strada Morii")
        do(other, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(other, "repartizare", "sef.serviciu", {"referent": "referent"})

    in_thread(app, prepare)
    login(page, "referent")
    page.goto("/sarcini/")
    views = page.get_by_role("navigation", name="Vederi")
    expect(views.get_by_role("link", name="Returnate mie 1")).to_be_visible()
    expect(
        page.get_by_role("link", name="Redactare răspuns: Groapă în asfalt pe strada Lungă")
    ).to_be_visible()
    check_page(page, "inbox")
    shoot(page, screenshot_dir, "inbox-phone")

    page.get_by_label("Caută după număr, subiect sau expeditor").fill("iluminat")
    page.get_by_role("button", name="Caută").click()
    expect(
        page.get_by_role("link", name="Redactare răspuns: Iluminat public pe strada Morii")
    ).to_be_visible()
    expect(
        page.get_by_role("link", name="Redactare răspuns: Groapă în asfalt pe strada Lungă")
    ).to_have_count(0)
    check_page(page, "inbox search")
    shoot(page, screenshot_dir, "inbox-phone-search")

    page.goto("/sarcini/?vedere=returnate")
    page.get_by_role("link", name="Redactare răspuns: Groapă în asfalt pe strada Lungă").click()
    note = page.get_by_role("note")
    expect(note).to_contain_text("Returnat pentru modificări")
    expect(note).to_contain_text("Scrieți data exactă.")
    check_page(page, "returned draft")
    shoot(page, screenshot_dir, "inbox-phone-returned")

    page.goto("/sarcini/?q=" + "x" * 300)
    expect(page.get_by_text("Căutarea are cel mult 200 de caractere.")).to_be_visible()
    check_page(page, "inbox bad search")


def test_clerk_finds_an_entry_by_typing_the_sender_without_diacritics(app, page: Page, screenshot_dir: Path):
    def prepare():
        from tests.registry.factory import registered

        registered(subject="Groapă în asfalt pe strada Lungă", sender_name="Ion Țăranu")
        registered(subject="Iluminat public defect", sender_name="Maria Stănescu")
        from app.extensions import db

        db.session.commit()

    in_thread(app, prepare)
    login(page, "registrator")
    page.goto("/registratura/")
    page.get_by_label("Expeditor / destinatar").press_sequentially("taranu ion", delay=30)
    # No button pressed: the list follows the typing.
    expect(page.get_by_text("1 înregistrare găsită")).to_be_visible()
    expect(page.get_by_role("link", name="Groapă în asfalt pe strada Lungă")).to_be_visible()
    expect(page.get_by_role("link", name="Iluminat public defect")).to_have_count(0)
    check_page(page, "register typed search")
    shoot(page, screenshot_dir, "register-typed-search")


def test_head_sees_the_team_and_a_refused_reassignment_on_a_phone(app, page: Page, screenshot_dir: Path):
    def prepare():
        document = submit_petition(subject="Trotuar degradat pe strada Morii")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})

    in_thread(app, prepare)
    login(page, "sef.serviciu")
    page.goto("/echipa/")
    expect(page.get_by_role("heading", name="Echipa mea")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"Elena Dumitrescu 1"))).to_be_visible()
    check_page(page, "team")
    shoot(page, screenshot_dir, "team-phone")
    page.get_by_role("link", name="Elena Dumitrescu").click()
    page.get_by_role("link", name=re.compile(r"Reasignează")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Reasignare"))).to_be_visible()
    page.get_by_role("button", name="Reasignează").click()  # nobody chosen, no reason
    expect(page.get_by_role("alert")).to_contain_text("Alegeți un funcționar al compartimentului")
    check_page(page, "reassignment refused")
    shoot(page, screenshot_dir, "team-reassign-refused")
