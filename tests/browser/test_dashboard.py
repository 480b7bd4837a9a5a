"""The head's dashboard on a phone (390x844): the charts drawn by chart.js beside their tables, axe clean, nothing
wider than the screen."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, in_thread, login, shoot
from tests.routes import do, submit_petition

pytestmark = pytest.mark.real_commits


def test_head_reads_the_dashboard_on_a_phone(app, page: Page, screenshot_dir: Path):
    def prepare():
        document = submit_petition(subject="Groapă în asfalt pe strada Lungă")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})

    in_thread(app, prepare)
    login(page, "sef.serviciu")
    page.goto("/tablou")
    expect(page.get_by_role("heading", name="Tablou de bord")).to_be_visible()
    table = page.locator("#tabel-functionari")
    expect(table).to_contain_text("Elena Dumitrescu")
    # chart.js drew on every canvas whose table has rows (a drawn canvas gets its pixel size set)
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length >= 4")
    expect(
        page.get_by_role("img", name="Grafic: Documente primite și rezolvate pe lună", exact=False)
    ).to_be_visible()
    check_page(page, "dashboard")
    shoot(page, screenshot_dir, "dashboard-phone")


def test_secretary_general_opens_the_statutory_reports_on_a_phone(page: Page):
    login(page, "secretar")
    page.goto("/tablou")
    page.get_by_role("link", name="Rapoarte legale (OG 27/2002, Legea 544/2001)").click()
    expect(page.get_by_role("heading", name="Rapoarte legale")).to_be_visible()
    check_page(page, "statutory reports")
    # a period that has not begun: the message, no file
    page.get_by_label("Anul").first.fill("2999")
    page.get_by_role("button", name="Descarcă PDF Petiții (OG 27/2002)").click()
    expect(page.get_by_role("alert")).to_contain_text("nu a început încă")
    check_page(page, "statutory reports refused")
