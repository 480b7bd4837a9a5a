"""A citizen signs their submission with a qualified certificate held by a provider, on a phone (390x844): our
pages (checked with axe, fitting the screen) and the provider's own login pages (the real CSC service of
tests/signing/csc_provider.py on 127.0.0.1), then the validation report in plain words."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from tests.browser.pages import check_page, in_thread, login, shoot
from tests.signing.conftest import CSC_CLIENT_ID, CSC_PASSWORD, csc_provider, csc_service  # noqa: F401
from tests.signing.helpers import petition_at_signing

pytestmark = pytest.mark.real_commits


def at_provider(page: Page, account: str) -> None:
    expect(page.get_by_role("button", name="Autorizez")).to_be_visible()
    page.get_by_label("Utilizator").fill(account)
    page.get_by_label("Parola").fill(CSC_PASSWORD)
    page.get_by_role("button", name="Autorizez").click()


def test_citizen_signs_submission_with_cloud_certificate_on_a_phone(
    page: Page,
    app,
    live_server,
    csc_service,  # noqa: F811
    csc_provider,  # noqa: F811
    screenshot_dir: Path,
):
    redirects = csc_service.clients[CSC_CLIENT_ID][1]
    redirects.append(f"{live_server}/semnare-cloud/retur")
    found = {}

    def prepare():
        document = petition_at_signing(subject="Groapă în asfalt pe strada Lungă")
        found["public_id"] = document.public_id
        db.session.remove()

    in_thread(app, prepare)
    try:
        login(page, "cetatean")
        page.goto(f"/documentele-mele/{found['public_id']}")
        check_page(page, "document cu semnătură calificată")
        page.get_by_role("button", name="Semnez cu certificatul meu de la furnizor").click()
        check_page(page, "spre furnizor")
        page.get_by_role("link", name="Mergi la furnizor").click()
        at_provider(page, "ana")  # the provider's login (service scope)
        expect(page.get_by_role("heading", name="Semnare cu certificatul de la furnizor")).to_be_visible()
        expect(page.get_by_text("Ana Popescu · calificat")).to_be_visible()
        check_page(page, "alegerea certificatului")
        shoot(page, screenshot_dir, "cloud-01-certificat")
        page.get_by_role("button", name="Continuă: autorizez semnarea la furnizor").click()
        page.get_by_role("link", name="Mergi la furnizor").click()
        at_provider(page, "ana")  # the provider's authorization of this document's hash (credential scope)
        code = page.get_by_label("Codul unic")
        expect(code).to_be_visible()
        check_page(page, "codul unic")
        code.fill(csc_service.last_otp("ana-calificat"))
        page.get_by_role("button", name="Semnează documentul").click()
        expect(page).to_have_url(re.compile(r"/documentele-mele/.*#semnatura-calificata"))
        section = page.locator("#semnatura-calificata")
        expect(
            section.get_by_text("Ați semnat depunerea cu certificatul dumneavoastră calificat.")
        ).to_be_visible()
        expect(section.get_by_text("Semnături valide")).to_be_visible()
        expect(section.get_by_text(re.compile(r"Certificat calificat conform eIDAS"))).to_be_visible()
        check_page(page, "raportul semnăturii calificate")
        shoot(page, screenshot_dir, "cloud-02-raport")
    finally:
        redirects.remove(f"{live_server}/semnare-cloud/retur")
