"""Identity screens in a phone-sized Chromium, checked with axe: the account page with the masked CNP revealed on
request, a delegation set by the administrator, TOTP enrolment with a real code, the administration pages."""

import re
from datetime import timedelta

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, logout


def login(page: Page, username: str) -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))


def test_identity_screens_on_a_phone(page: Page, app):
    from app.identity.delegation import today_local

    with app.app_context():
        today = today_local()

    # The citizen: CNP masked, shown in full only when asked.
    login(page, "cetatean")
    page.goto("/cont")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contul meu")
    expect(page.get_by_text("2**********14")).to_be_visible()
    check_page(page, "contul meu (cetățean)")
    page.get_by_role("button", name="Afișează complet").click()
    expect(page.locator("#cnp-complet")).to_have_text("2900101080014")
    assert "2900101080014" not in page.url
    logout(page)

    # The administrator sets a delegation: the official stands in for the head of unit this week.
    login(page, "admin")
    page.goto("/delegari")
    check_page(page, "înlocuiri (administrator)")
    page.get_by_label("Persoana absentă").select_option(label="Mihai Ionescu")
    page.get_by_label("Înlocuitorul").select_option(label="Elena Dumitrescu")
    page.get_by_label("De la").fill(today.isoformat())
    page.get_by_label("Până la (inclusiv)").fill((today + timedelta(days=4)).isoformat())
    page.get_by_label("Motivul absenței").fill("Concediu de odihnă")
    page.get_by_role("button", name="Salvează înlocuirea").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Elena Dumitrescu primește sarcinile lui Mihai Ionescu"
    )
    page.goto("/administrare/")
    check_page(page, "administrare (administrator)")
    page.get_by_role("link", name="Consiliul Județean Brașov").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consiliul Județean Brașov")
    check_page(page, "instituția (administrator)")
    logout(page)

    # The official enrols an authenticator, with a code computed as the phone would.
    login(page, "referent")
    page.goto("/cont/doi-pasi")
    check_page(page, "autentificare în doi pași")
    secret = page.locator("#cheie").inner_text()
    page.get_by_label("Codul afișat de aplicație").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activează").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificarea în doi pași este activă")
    check_page(page, "coduri de rezervă")
    logout(page)

    # Next login asks for the code.
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("referent")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cod de autentificare")
    check_page(page, "cod de autentificare")
    page.get_by_label("Codul din aplicația de autentificare").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verifică și intră în cont").click()
    expect(page).to_have_url(re.compile(r"/sarcini/$"))

    # The platform administrator's page offers a new institution.
    logout(page)
    login(page, "platforma")
    page.goto("/administrare/")
    expect(page.get_by_role("heading", name="Instituție nouă")).to_be_visible()
    check_page(page, "administrare (platformă)")
