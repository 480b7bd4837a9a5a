"""The paper desk in a phone-sized Chromium: the Săcele clerk photographs a paper petition, registers it, gets the
receipt (PDF too); its code opens the tracking page without an account; a citizen attaches it to their account.
Each page is checked with axe."""

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, logout, open_menu

SUBJECT = "Iluminat public pe strada Morii"
CONTENT = "Pe strada Morii din Săcele nu funcționează iluminatul public de o lună întreagă."


def login(page: Page, username: str) -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))


def pages(tmp_path: Path) -> list[str]:
    paths = []
    for index, color in enumerate(((240, 240, 230), (230, 230, 240)), start=1):
        path = tmp_path / f"pagina-{index}.jpg"
        Image.new("RGB", (300, 420), color).save(path, "JPEG")
        paths.append(str(path))
    return paths


def test_paper_petition_at_the_desk_to_tracking_and_account(page: Page, tmp_path: Path):
    login(page, "registrator.sacele")
    open_menu(page)
    page.get_by_role("link", name="Documente pe hârtie").click()
    expect(page.get_by_role("heading", name="Înregistrare document pe hârtie")).to_be_visible()
    page.get_by_label("Tipul documentului").select_option("petitie")
    page.get_by_role("button", name="Alege").click()
    check_page(page, "paper intake form")
    page.get_by_label("Fișier PDF sau fotografii").set_input_files(pages(tmp_path))
    page.get_by_label("Nume și prenume sau denumire").fill("Vasile Pop")
    page.get_by_label("Telefon").fill("0722111222")
    page.get_by_label("Subiectul petiției").fill(SUBJECT)
    page.get_by_label("Conținutul petiției").fill(CONTENT)
    page.get_by_role("button", name="Înregistrează și tipărește recipisa").click()

    expect(page.get_by_role("heading", name="Recipisă de înregistrare")).to_be_visible()
    check_page(page, "receipt")
    number = page.locator("#numar-inregistrare").inner_text().strip()
    code = page.locator("#cod-acces").inner_text().strip()
    assert re.fullmatch(r"1/\d{2}\.\d{2}\.\d{4}", number) and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    with page.expect_download() as download:
        page.get_by_role("button", name="Descarcă recipisa (PDF)").click()
    assert download.value.suggested_filename.startswith("recipisa-1-")
    tracking_url = page.locator('article a[href*="/urmarire?"]').get_attribute("href")
    logout(page)

    # the QR's address opens the document without an account
    page.goto(tracking_url)
    expect(page.get_by_role("heading", name=f"Documentul nr. {number}")).to_be_visible()
    expect(page.get_by_text("Primăria Municipiului Săcele").first).to_be_visible()
    check_page(page, "tracking without an account")

    login(page, "cetatean")
    page.goto("/contul-meu/atasare")
    check_page(page, "attach page")
    page.get_by_label("Număr de înregistrare").fill(number)
    page.get_by_label("Cod de acces").fill(code)
    page.get_by_role("button", name="Atașează la contul meu").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(number)
    page.goto("/documentele-mele")
    expect(page.get_by_text(SUBJECT).first).to_be_visible()


def test_address_from_the_council_arrives_registered_at_the_town_hall(page: Page):
    login(page, "registrator")
    page.goto("/registratura/adresa-noua")
    check_page(page, "new address")
    page.get_by_label("Instituția destinatară").select_option(label="Primăria Municipiului Săcele")
    page.get_by_label("Subiect").fill("Solicitare situație iluminat public")
    page.get_by_label("Conținut").fill(
        "Vă rugăm să ne comunicați situația iluminatului public pe drumurile județene."
    )
    page.get_by_role("button", name="Trimite spre aprobare").click()
    expect(page.get_by_role("link", name="Citește scrisoarea (PDF)")).to_be_visible()
    check_page(page, "letter waiting for approval")
    draft_url = page.url
    logout(page)

    # the secretary general reads it and approves; the clerk then signs and it leaves e-sealed
    login(page, "secretar")
    page.goto(draft_url)
    check_page(page, "letter to approve")
    page.get_by_role("button", name="Aprobă").click()
    expect(page.get_by_text("Scrisoarea a fost aprobată.")).to_be_visible()
    logout(page)
    login(page, "registrator")
    page.goto(draft_url)
    page.get_by_role("button", name="Semnează și trimite").click()
    notice = page.get_by_role("alert").or_(page.get_by_role("status")).first
    expect(notice).to_contain_text(
        "A ajuns la Primăria Municipiului Săcele, unde a fost înregistrată cu nr. 1/"
    )
    check_page(page, "letters of a document")
    out_number = re.search(r"cu nr\. (\d+/[\d.]+)\.", notice.inner_text()).group(1)
    logout(page)

    login(page, "registrator.sacele")
    page.goto("/documente/")
    page.get_by_role("link", name=re.compile("Solicitare situație iluminat public")).first.click()
    # the staff document page, its route diagram drawn
    expect(page.locator("#diagrama .djs-container")).to_be_visible()
    expect(page.locator("#descriere-diagrama")).to_contain_text("Pasul curent, evidențiat pe diagramă:")
    check_page(page, "staff document page")
    page.goto(page.url + "/corespondenta")
    expect(page.locator("#linii-corespondenta")).to_contain_text(
        f"Primit de la Consiliul Județean Brașov, unde este înregistrat cu nr. {out_number}."
    )
