"""The citizen's portal in a phone-sized Chromium (390x844): sign up, submit a petition with a camera photo, the
e-mail with the number and access code, tracking without an account (updated live), a completion request answered
from the phone, the signed answer downloaded. Every portal page is checked with axe (no serious or critical
violation) and must fit the screen; the key screens are saved to test-results/screenshots/portal-*.png.
A second test submits with the keyboard alone."""

import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.communication.requests import request_completion
from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.registry.models import Document
from tests.browser.pages import check_page, in_thread, open_menu, shoot
from tests.routes import open_task, user
from tests.signing.helpers import do
from tests.smtp import body_of

SUBJECT = "Stâlp de iluminat căzut pe trotuar"
CONTENT = (
    "Pe strada Mureșenilor nr. 12 un stâlp de iluminat a căzut pe trotuar și blochează trecerea pietonilor."
)
ASK = "Vă rugăm să trimiteți o fotografie de aproape a stâlpului, cu numărul de inventar vizibil."
EMAIL = "maria.ionescu@example.ro"


def camera_photo(tmp_path: Path, name: str, size=(1400, 1000)) -> Path:
    """Like a phone camera's JPEG: noisy pixels compress badly, about 1.5 MB (the test limit is 2 MB)."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    path = tmp_path / name
    image.save(path, "JPEG", quality=90)
    return path


def the_document(subject=SUBJECT) -> Document:
    return db.session.scalar(select(Document).where(Document.subject == subject))


def test_citizen_portal_walk_on_a_phone(
    page: Page,
    browser,
    browser_context_args,
    app,
    mail_server,  # noqa: F811
    tmp_path: Path,
    screenshot_dir: Path,
):
    # Public pages, without an account.
    page.goto("/")
    check_page(page, "catalog (anonim)")
    shoot(page, screenshot_dir, "portal-01-catalog")
    page.get_by_label("Instituția").select_option(label="Primăria Municipiului Săcele")
    page.get_by_role("button", name="Filtrează").click()
    expect(page).to_have_url(re.compile(r"institutie=pm-sacele"))
    check_page(page, "catalog filtrat")
    shoot(page, screenshot_dir, "portal-02-catalog-filtrat")
    page.goto("/urmarire")
    check_page(page, "urmărire fără cont")
    page.goto("/autentificare")
    check_page(page, "autentificare")

    # Sign up, confirm the e-mail address from the message received.
    page.goto("/cont-nou")
    check_page(page, "cont nou")
    page.get_by_label("Nume și prenume").fill("Maria Ionescu")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Telefon").fill("0722 123 456")
    page.get_by_label("Adresa poștală").fill("Str. Mureșenilor nr. 12, Brașov")
    page.locator("#password").fill("parola-lunga-1")
    page.get_by_label("Confirmați parola").fill("parola-lunga-1")
    page.locator("#confidentialitate").check()
    shoot(page, screenshot_dir, "portal-03-cont-nou")
    page.get_by_role("button", name="Creează contul").click()
    # the same answer as for an address that already has an account: nobody is signed in yet
    expect(page.get_by_role("status").first).to_contain_text("Verificați-vă e-mailul")
    [verification] = mail_server.wait_for(1)
    link = re.search(r"https?://\S+/confirmare-email/\S+", body_of(verification)).group(0)
    page.goto(link)
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(EMAIL)
    page.get_by_label("Parola").fill("parola-lunga-1")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))

    # Submit a petition with a camera photo.
    page.goto("/depune/petitie")
    check_page(page, "formular de depunere")
    page.get_by_label("Subiectul petiției").fill(SUBJECT)
    page.get_by_label("Conținutul petiției").fill(CONTENT)
    # Saved as a draft, found again in "my documents", resumed.
    page.get_by_role("button", name="Salvează ciorna").click()
    expect(page).to_have_url(re.compile(r"/documentele-mele$"))
    check_page(page, "documentele mele, cu o ciornă")
    shoot(page, screenshot_dir, "portal-04a-ciorna")
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_label("Conținutul petiției")).to_have_value(CONTENT)
    page.get_by_label("Documente atașate").set_input_files(camera_photo(tmp_path, "IMG_20261121_101512.jpg"))
    expect(page.get_by_label("Telefon (opțional)")).to_have_value("0722 123 456")
    shoot(page, screenshot_dir, "portal-04-formular")
    page.get_by_role("button", name="Trimite", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=SUBJECT)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("înregistrat cu nr.")
    check_page(page, "pagina documentului")
    shoot(page, screenshot_dir, "portal-05-document-depus")

    # The e-mail: number and access code.
    registered = [m for m in mail_server.wait_for(2) if m["Subject"].startswith("Document înregistrat")]
    assert len(registered) == 1 and registered[0]["To"] == EMAIL
    body = body_of(registered[0])
    code = re.search(r"Codul de acces pentru urmărire fără cont: (\S+)", body).group(1)
    number = re.search(r"cu nr\. (\d+/\d\d\.\d\d\.\d{4})", body).group(1)

    # Someone without an account (another phone) follows it with number + code.
    other = browser.new_context(**browser_context_args)
    anonymous = other.new_page()
    anonymous.goto("/urmarire")
    anonymous.get_by_label("Număr de înregistrare").fill(number)
    anonymous.get_by_label("Cod de acces").fill(code)
    anonymous.get_by_role("button", name="Caută documentul").click()
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(f"Documentul nr. {number}")
    check_page(anonymous, "urmărire: documentul")
    assert "Maria Ionescu" not in anonymous.content() and "Mureșenilor" not in anonymous.content()
    shoot(anonymous, screenshot_dir, "portal-06-urmarire-fara-cont")

    # The registry routes it, the head assigns it, the official asks for a completion.
    with app.app_context():
        document = the_document()
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        request_completion(open_task(document, "redactare"), user("referent"), ASK)
        db.session.commit()
    # The anonymous page follows without a reload (htmx polls every 15 s).
    expect(anonymous.get_by_text("Elena Dumitrescu").first).to_be_visible(timeout=25_000)
    shoot(anonymous, screenshot_dir, "portal-07-urmarire-actualizata")
    other.close()

    # The citizen answers the completion request from the phone.
    page.reload()
    expect(page.get_by_text(ASK).first).to_be_visible()
    page.get_by_role("link", name="Trimiteți completarea").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completare cerută")
    check_page(page, "completare cerută")
    page.get_by_label("Fișierele cerute").set_input_files(camera_photo(tmp_path, "IMG_stalp.jpg", (900, 700)))
    page.get_by_label("Mesaj (opțional)").fill("Fotografia cerută, cu numărul de inventar.")
    shoot(page, screenshot_dir, "portal-08-completare")
    page.get_by_role("button", name="Trimite completarea").click()
    expect(page.get_by_role("status").first).to_contain_text("Completarea a fost trimisă")
    expect(page.get_by_role("link", name="IMG_stalp.jpg")).to_be_visible()

    # The official drafts, the head approves, both sign: the answer is issued.
    def finish():
        document = the_document()
        do(
            document,
            "redactare",
            "referent",
            {"raspuns": "Stâlpul a fost ridicat și înlocuit la 22.11.2026."},
        )
        do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        sign_task(open_task(document, "semnare_referent").id, user("referent"))
        db.session.commit()
        sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
        db.session.commit()

    in_thread(app, finish)
    page.reload()
    download_button = page.get_by_role("link", name="Descarcă răspunsul (PDF)")
    expect(download_button).to_be_visible()
    check_page(page, "document soluționat")
    shoot(page, screenshot_dir, "portal-09-raspuns")
    with page.expect_download() as download:
        download_button.click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    answer_mail = mail_server.wait_for_subject("Răspuns la documentul")
    assert len(answer_mail) == 1 and list(answer_mail[0].iter_attachments())

    # The rest of the citizen's pages.
    page.goto("/documentele-mele")
    check_page(page, "documentele mele")
    shoot(page, screenshot_dir, "portal-10-documentele-mele")
    page.goto("/contul-meu/notificari")
    check_page(page, "preferințe notificări")
    page.get_by_role("checkbox", name="SMS").check()
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("status").first).to_contain_text("Preferințele de notificare au fost salvate")
    shoot(page, screenshot_dir, "portal-11-notificari")
    open_menu(page)
    expect(page.get_by_role("link", name="Notificări")).to_be_visible()


def tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_submission_with_the_keyboard_alone(page: Page, app, screenshot_dir: Path):
    page.goto("/autentificare")
    tab_to(page, "username")
    page.keyboard.type("cetatean")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/depune/petitie")
    tab_to(page, "f-subiect")  # past the institution list: its first institution is kept
    page.keyboard.type("Semafor defect")
    tab_to(page, "f-continut")
    page.keyboard.type("Semaforul de la intersecția străzilor Lungă și Iuliu Maniu nu funcționează.")
    tab_to(page, "raspuns-electronic")
    page.keyboard.press("Space")
    # The first button after the fields is "Trimite"; Tab reaches it and Enter presses it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Trimite":
            break
    else:
        raise AssertionError("Tab never reached the Trimite button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Semafor defect")).to_be_visible()
    check_page(page, "document depus cu tastatura")
    shoot(page, screenshot_dir, "portal-12-depus-cu-tastatura")
    with app.app_context():
        assert the_document("Semafor defect").registration_number is not None
