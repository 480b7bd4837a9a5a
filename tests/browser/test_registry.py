"""The register on a phone: the registrar searches the register, opens an entry, annuls it with a reason; the
register page and the entry are checked with axe and must fit the screen."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.extensions import db
from tests.browser.pages import check_page
from tests.registry.factory import department, registered

BUCHAREST = ZoneInfo("Europe/Bucharest")


def login(page: Page, username: str) -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))


def test_registrar_searches_and_annuls_on_a_phone(app, page: Page, screenshot_dir: Path):
    with app.app_context():
        public = department("relatii-publice")
        registered(
            when=datetime(2026, 11, 19, 9, tzinfo=BUCHAREST),
            subject="Iluminat public defect",
            department_id=public.id,
        )
        registered(
            when=datetime(2026, 11, 20, 9, tzinfo=BUCHAREST),
            subject="Groapă în asfalt pe strada Lungă",
            sender_name="Ion Țăranu",
            department_id=public.id,
        )
        db.session.commit()
        db.session.remove()

    login(page, "registrator")
    page.goto("/registratura/")
    expect(page.get_by_role("heading", name="Registrul de intrare-ieșire")).to_be_visible()
    check_page(page, "register")
    page.get_by_label("Conținut pe scurt").fill("groapă")
    page.get_by_role("button", name="Caută").click()
    expect(page.get_by_text("1 înregistrare găsită")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "registry-search.png"), full_page=True)

    page.get_by_role("link", name="Groapă în asfalt pe strada Lungă").click()
    expect(page.get_by_role("heading", name="Înregistrarea în registru")).to_be_visible()
    page.get_by_text("Anularea înregistrării").click()
    page.get_by_label("Motivul anulării (rămâne vizibil în registru)").fill("Înregistrat în registrul greșit")
    page.get_by_role("button", name="Anulează înregistrarea").click()
    expect(
        page.get_by_role("heading", name="Confirmați anularea înregistrării nr. 2/20.11.2026")
    ).to_be_visible()
    check_page(page, "annulment confirmation")
    page.get_by_role("button", name="Confirm anularea").click()
    expect(page.get_by_text("Înregistrarea nr. 2/20.11.2026 a fost anulată.")).to_be_visible()
    expect(page.get_by_text("Motiv: Înregistrat în registrul greșit")).to_be_visible()
    check_page(page, "annulled entry")
    page.screenshot(path=str(screenshot_dir / "registry-annulled.png"), full_page=True)

    page.goto("/registratura/?stare=anulat")
    expect(page.get_by_text("Anulat: Înregistrat în registrul greșit", exact=False)).to_be_visible()
    check_page(page, "register, annulled entries")
