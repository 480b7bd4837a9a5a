"""A new citizen on a phone (390x844): signs in with the test ROeID (a real OpenID provider, npm oidc-provider), sees
the account created from the claims, asks to represent a company (approved by the clerk), submits on the company's
behalf and gets the receipt with the access code on screen, downloads their data, signs out (also at the provider),
then resets a forgotten password by e-mail and signs in with it. Each of our screens is checked with axe and must
fit the phone; screenshots in test-results/screenshots/cont-*.png."""

import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.identity import mandates
from app.identity.models import Representation, User
from tests.browser.pages import check_page, open_menu, shoot
from tests.identity.roeid import NEW_PERSON_CNP, configure, start_provider
from tests.smtp import body_of

pytestmark = pytest.mark.real_commits

CUI = "18547290"  # the demo company, Transilvania Construct SRL
SUBJECT = "Aviz pentru racord la drumul județean"
CONTENT = (
    "Vă rugăm să ne comunicați avizul pentru racordul la DJ 103 al șantierului din Săcele, str. Morii nr. 4."
)


@pytest.fixture
def roeid(app, live_server, tmp_path):
    provider = start_provider(live_server, tmp_path)
    saved = configure(app, provider)
    try:
        yield provider
    finally:
        app.config.update(saved)
        provider.stop()


def mandate_pdf(tmp_path: Path) -> Path:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 760, "Imputernicire: Ion Popescu reprezinta Transilvania Construct SRL")
    pdf.save()
    path = tmp_path / "imputernicire.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_a_new_citizen_with_roeid_on_a_phone(
    page: Page, app, roeid, mail_server, tmp_path: Path, screenshot_dir
):
    page.goto("/autentificare")
    check_page(page, "autentificare cu ROeID")
    shoot(page, screenshot_dir, "cont-01-autentificare-roeid")

    # At the provider (its own pages, not ours): sign in with the test account, consent.
    page.get_by_role("link", name="Intră cu ROeID").click()
    page.locator("input[name=login]").fill("ion.popescu")
    page.locator("input[name=password]").fill("parola-roeid")
    shoot(page, screenshot_dir, "cont-02-furnizor-roeid")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    # Back home: the account was created from the claims.
    expect(page).to_have_url(re.compile(r"/cont$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Contul a fost creat din datele transmise de ROeID"
    )
    main = page.locator("main")
    expect(main.get_by_text("Ion Popescu").first).to_be_visible()
    expect(main.get_by_text("cont legat de ROeID")).to_be_visible()
    expect(main.get_by_text("0722 111 222")).to_be_visible()
    expect(main.get_by_text("1**********" + NEW_PERSON_CNP[-2:])).to_be_visible()
    check_page(page, "contul creat din ROeID")
    shoot(page, screenshot_dir, "cont-03-cont-creat")

    # Ask to represent the company, with the mandate; the registered name is shown and confirmed.
    page.get_by_label("CUI").fill(CUI)
    page.get_by_label("Denumirea firmei").fill("Transilvania Construct")
    page.get_by_label("Calitatea în care o reprezentați").fill("Împuternicit")
    page.get_by_label("Împuternicirea sau extrasul de la Registrul Comerțului").set_input_files(
        mandate_pdf(tmp_path)
    )
    page.get_by_role("button", name="Trimite cererea").click()
    expect(page.locator("#denumire-inregistrata")).to_contain_text("Transilvania Construct SRL")
    check_page(page, "denumirea înregistrată")
    shoot(page, screenshot_dir, "cont-04-denumire-inregistrata")
    page.get_by_label("Confirm: reprezint firma cu denumirea înregistrată").check()
    page.get_by_label("Împuternicirea sau extrasul de la Registrul Comerțului").set_input_files(
        mandate_pdf(tmp_path)
    )
    page.get_by_role("button", name="Trimite cererea").click()
    expect(page.get_by_text("în verificare")).to_be_visible()

    # The county council's registry clerk approves it.
    with app.app_context():
        person = db.session.scalar(select(User).where(User.roeid_subject == "ion.popescu"))
        request = db.session.scalar(select(Representation).where(Representation.user_id == person.id))
        clerk = db.session.scalar(select(User).where(User.username == "registrator"))
        mandates.decide(clerk, request, approve=True)
        db.session.commit()

    # Submit on the company's behalf.
    page.goto("/depune/petitie")
    expect(page.locator("#limite-fisiere")).to_contain_text("cel mult")
    page.get_by_label("În numele firmei Transilvania Construct SRL").check()
    page.get_by_label("Subiect").fill(SUBJECT)
    page.get_by_label("Conținut").fill(CONTENT)
    # A file over the limit is refused in the browser, under its field, before anything is sent.
    attachments = page.get_by_label("Documente atașate")
    attachments.set_input_files(
        {"name": "scan-mare.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 2_500_000}
    )
    expect(
        page.get_by_text("Fișierul „scan-mare.pdf” are 2,4 MB; limita este 2 MB pe fișier.")
    ).to_be_visible()
    shoot(page, screenshot_dir, "cont-05a-fisier-prea-mare")
    attachments.set_input_files([])
    expect(page.get_by_text("Fișierul „scan-mare.pdf”")).to_have_count(0)
    check_page(page, "formular pentru firmă")
    shoot(page, screenshot_dir, "cont-05-formular-firma")
    page.get_by_role("button", name="Trimite").click()

    # The receipt on screen: number, access code, QR, PDF.
    receipt = page.locator("#recipisa")
    expect(receipt).to_be_visible()
    code = page.locator("#cod-acces").inner_text().strip()
    number = page.locator("#recipisa-numar").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", code) and re.fullmatch(r"\d+/\d{2}\.\d{2}\.\d{4}", number), (
        code,
        number,
    )
    expect(page.get_by_text("Depus în numele firmei Transilvania Construct SRL")).to_be_visible()
    check_page(page, "recipisa online")
    shoot(page, screenshot_dir, "cont-06-recipisa")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descarcă recipisa (PDF)").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")

    # My data.
    page.goto("/cont/datele-mele")
    check_page(page, "datele mele")
    shoot(page, screenshot_dir, "cont-07-datele-mele")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descarcă (JSON, pentru alte aplicații)").click()
    data = json.loads(Path(download_info.value.path()).read_text())
    assert data["cont"]["cnp"] == NEW_PERSON_CNP and data["documente"][0]["subiect"] == SUBJECT
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descarcă (PDF, de citit sau tipărit)").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")

    # Sign out: also at the provider, which asks and then sends the browser back.
    open_menu(page)
    page.get_by_role("button", name="Ieșire").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/autentificare$"))

    # A forgotten password (the account never had one): reset by e-mail, then sign in with it.
    page.get_by_role("link", name="Am uitat parola").click()
    page.get_by_label("Adresa de e-mail a contului").fill("ion.popescu@example.ro")
    page.get_by_role("button", name="Trimite legătura").click()
    expect(page.locator("#resetare-trimisa")).to_be_visible()
    check_page(page, "parolă uitată")
    shoot(page, screenshot_dir, "cont-08-parola-uitata")
    message = next(m for m in mail_server.wait_for(2) if "parolă nouă" in body_of(m))
    link = re.search(r"https?://\S+/parola-noua/\S+", body_of(message)).group(0)
    page.goto(link)
    page.get_by_label("Parola nouă").fill("o-parola-noua-lunga")
    page.get_by_label("Confirmați parola").fill("o-parola-noua-lunga")
    check_page(page, "parolă nouă")
    shoot(page, screenshot_dir, "cont-09-parola-noua")
    page.get_by_role("button", name="Salvează parola").click()
    expect(page.get_by_role("status").first).to_contain_text("Parola a fost schimbată")
    page.get_by_label("Utilizator sau e-mail").fill("ion.popescu@example.ro")
    page.get_by_label("Parola", exact=True).fill("o-parola-noua-lunga")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/documentele-mele")
    expect(page.get_by_text(SUBJECT)).to_be_visible()
    check_page(page, "documentele mele după resetare")
    shoot(page, screenshot_dir, "cont-10-documentele-mele")
