"""The petition walk in a phone-sized Chromium: citizen, registry, head of unit, official, and back.

Every citizen-facing page and the staff inbox and task page are checked with axe; key screens are
saved to test-results/screenshots/ for a person to look at.
"""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, login, logout, shoot

SUBJECT = "Iluminat public defect pe strada Lungă"
CONTENT = "Pe strada Lungă din Brașov nu funcționează iluminatul public de două săptămâni."
DRAFT = "Vă comunicăm că lucrarea de remediere a fost programată."
OBSERVATIONS = "Precizați termenul în care se execută lucrarea."
FINAL = "Vă comunicăm că lucrarea de remediere se execută până la 30.11.2026."

_axe = Axe()


# --- helpers -------------------------------------------------------------------------------------------


def photo(tmp_path: Path, name: str = "fotografie-stalp.png") -> Path:
    path = tmp_path / name
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path)
    return path


def open_task(page: Page, name: str) -> None:
    """From the inbox, the task `name` of the petition."""
    page.goto("/sarcini/")
    page.get_by_role("link", name=f"{name}: {SUBJECT}").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def sign_step(page: Page, name: str) -> None:
    page.get_by_role("button", name="Semnează documentul").click()
    expect(page).to_have_url(re.compile(r"/sarcini/$"))
    expect(page.get_by_role("status").filter(has_text="a fost semnat")).to_contain_text(name)


def finish_step(page: Page, name: str) -> None:
    page.get_by_role("button", name="Finalizează pasul").click()
    expect(page).to_have_url(re.compile(r"/sarcini/$"))
    expect(page.get_by_role("status").filter(has_text="a fost finalizat")).to_contain_text(name)


def submit_petition(page: Page, tmp_path: Path, screenshot_dir: Path | None = None) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(r"^Depune Petiție")).click()
    expect(page.get_by_role("heading", level=1, name="Petiție")).to_be_visible()
    if screenshot_dir:
        check_page(page, "formularul de depunere")
    page.get_by_label("Subiectul petiției").fill(SUBJECT)
    page.get_by_label("Conținutul petiției").fill(CONTENT)
    page.get_by_label("Documente atașate").set_input_files(photo(tmp_path))
    if screenshot_dir:
        shoot(page, screenshot_dir, "03-formular-completat")
    page.get_by_role("button", name="Trimite").click()
    expect(page.get_by_role("heading", level=1, name=SUBJECT)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Documentul a fost depus")


# --- tests ---------------------------------------------------------------------------------------------


def test_petition_walk_on_a_phone(page: Page, tmp_path: Path, screenshot_dir: Path):
    # Anonymous visitor: the public pages.
    page.goto("/")
    expect(page).to_have_title(re.compile("Ghișeul Unic"))
    check_page(page, "pagina principală (anonim)")
    shoot(page, screenshot_dir, "01-acasa-anonim")
    page.goto("/cont-nou")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cont nou, gratuit")
    check_page(page, "cont nou")
    shoot(page, screenshot_dir, "01-cont-nou")
    page.goto("/autentificare")
    check_page(page, "autentificare")
    shoot(page, screenshot_dir, "01-autentificare")

    # The citizen submits the petition with a photo.
    login(page, "cetatean")
    check_page(page, "meniul deschis (cetățean)")
    shoot(page, screenshot_dir, "02-meniu-deschis")
    page.goto("/")
    check_page(page, "pagina principală (cetățean)")
    shoot(page, screenshot_dir, "02-acasa-cetatean")
    submit_petition(page, tmp_path, screenshot_dir)
    expect(page.get_by_role("link", name="fotografie-stalp.png")).to_be_visible()
    check_page(page, "pagina documentului (depus)")
    shoot(page, screenshot_dir, "04-document-depus")
    logout(page)

    # Registry: number it and send it to the public relations department.
    login(page, "registrator")
    expect(page).to_have_url(re.compile(r"/sarcini/$"))
    check_page(page, "sarcinile mele, cu meniul deschis (registrator)")
    shoot(page, screenshot_dir, "05-sarcini-registrator")
    open_task(page, "Înregistrare")
    check_page(page, "sarcina Înregistrare")
    page.get_by_label("Compartimentul căruia i se repartizează").select_option(
        label="Serviciul Relații cu Publicul"
    )
    shoot(page, screenshot_dir, "06-sarcina-inregistrare")
    finish_step(page, "Înregistrare")
    logout(page)

    # Head of unit: give it to the official.
    login(page, "sef.serviciu")
    open_task(page, "Repartizare")
    page.get_by_label("Referentul care redactează răspunsul").select_option(label="Elena Dumitrescu")
    finish_step(page, "Repartizare")
    logout(page)

    # Official: first draft.
    login(page, "referent")
    open_task(page, "Redactare răspuns")
    page.get_by_label("Textul răspunsului").fill(DRAFT)
    finish_step(page, "Redactare răspuns")
    logout(page)

    # Head of unit: back to the official, with observations.
    login(page, "sef.serviciu")
    open_task(page, "Aprobare răspuns")
    check_page(page, "sarcina Aprobare răspuns")
    page.get_by_role("radio", name="Returnez referentului pentru modificări").check()
    page.get_by_label("Observații pentru referent").fill(OBSERVATIONS)
    shoot(page, screenshot_dir, "07-aprobare-returnare")
    finish_step(page, "Aprobare răspuns")
    logout(page)

    # Official: the observations stand at the top of the redraft (and in the history), the draft is prefilled.
    login(page, "referent")
    open_task(page, "Redactare răspuns")
    expect(page.get_by_role("note")).to_contain_text(OBSERVATIONS)
    answer = page.get_by_label("Textul răspunsului")
    expect(answer).to_have_value(DRAFT)
    answer.fill(FINAL)
    finish_step(page, "Redactare răspuns")
    logout(page)

    # Head of unit: approve.
    login(page, "sef.serviciu")
    open_task(page, "Aprobare răspuns")
    page.get_by_role("radio", name="Aprob răspunsul").check()
    finish_step(page, "Aprobare răspuns")
    logout(page)

    # Signing: the official first (her signature certifies the answer), then the head who approved it.
    login(page, "referent")
    open_task(page, "Semnare răspuns (referent)")
    expect(page.get_by_role("link", name="Deschide documentul de semnat (PDF)")).to_be_visible()
    check_page(page, "sarcina Semnare răspuns (referent)")
    shoot(page, screenshot_dir, "07-semnare-referent")
    sign_step(page, "Semnare răspuns (referent)")
    logout(page)
    login(page, "sef.serviciu")
    open_task(page, "Semnare răspuns (șef serviciu)")
    expect(page.locator("#semnare")).to_contain_text("a semnat")  # the official's signature is already there
    sign_step(page, "Semnare răspuns (șef serviciu)")
    logout(page)

    # The citizen finds the answer.
    login(page, "cetatean")
    page.get_by_role("link", name="Documentele mele").click()
    expect(page.get_by_role("heading", level=1, name="Documentele mele")).to_be_visible()
    document_link = page.get_by_role("link", name=re.compile(re.escape(SUBJECT)))
    expect(document_link).to_contain_text("Soluționat")
    check_page(page, "documentele mele")
    shoot(page, screenshot_dir, "08-documentele-mele")
    document_link.click()
    expect(page.get_by_role("heading", level=1, name=SUBJECT)).to_be_visible()
    expect(page.locator("#continut")).to_contain_text("Soluționat")
    expect(page.get_by_text("Semnături valide")).to_be_visible()  # the answer's validation report
    # One sentence per signature; the full report on request.
    summary = page.locator(".semnatura-pe-scurt", has_text="Elena Dumitrescu").first
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Semnătură validă:")
    page.get_by_text("Detaliile verificării").first.click()
    expect(page.get_by_text("Semnat de Elena Dumitrescu", exact=False).first).to_be_visible()
    check_page(page, "pagina documentului (soluționat)")
    shoot(page, screenshot_dir, "09-document-solutionat")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descarcă răspunsul (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.lower().endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def test_submission_with_the_keyboard_alone(page: Page, tmp_path: Path):
    # Listening for file choosers asks the browser to hand them to Playwright, without waiting for the
    # answer: subscribe now, not just before the key press that opens the picker.
    page.on("filechooser", lambda chooser: None)
    page.goto("/autentificare")
    expect(page.get_by_label("Utilizator sau e-mail")).to_be_focused()  # autofocus
    page.keyboard.type("cetatean")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Parola")).to_be_focused()
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    link = page.get_by_role("link", name=re.compile(r"^Depune Petiție"))
    # Tab from the top of the page to the "Depune" link, then follow it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the Depune link cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Petiție")).to_be_visible()

    def tab_to(locator, limit: int = 20) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        pytest.fail(f"{locator} cannot be reached with Tab")

    tab_to(page.get_by_label("Subiectul petiției"))
    page.keyboard.type(SUBJECT)
    tab_to(page.get_by_label("Conținutul petiției"))
    page.keyboard.type(CONTENT)
    # The file picker is a native dialog: choose the file when Space opens it.
    tab_to(page.get_by_label("Documente atașate"))
    with page.expect_file_chooser() as chooser_info:
        page.keyboard.press("Space")
    chooser_info.value.set_files(photo(tmp_path))
    tab_to(page.get_by_role("button", name="Trimite"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=SUBJECT)).to_be_visible()
    expect(page.get_by_role("link", name="fotografie-stalp.png")).to_be_visible()


def test_invalid_submission_shows_the_error_beside_the_field(page: Page, screenshot_dir: Path):
    login(page, "cetatean")
    page.goto("/")
    page.get_by_role("link", name=re.compile(r"^Depune Petiție")).click()
    page.get_by_label("Subiectul petiției").fill("Ilu")  # shorter than the 5 characters required
    page.get_by_role("button", name="Trimite").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Formularul are erori")
    expect(summary).to_be_focused()  # read out first; its links lead to the fields
    expect(summary.get_by_role("link", name="Subiectul petiției")).to_have_attribute("href", "#f-subiect")
    expect(summary.get_by_role("link", name="Conținutul petiției")).to_have_attribute("href", "#f-continut")
    subject = page.get_by_label("Subiectul petiției")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_value("Ilu")
    # The message sits right after the field and is announced with it.
    error = page.locator("#f-subiect + .invalid-feedback")
    expect(error).to_have_text("Introduceți cel puțin 5 caractere.")
    expect(error).to_have_id("f-subiect-error")
    expect(subject).to_have_accessible_description(re.compile("Introduceți cel puțin 5 caractere."))
    content = page.get_by_label("Conținutul petiției")
    expect(content).to_have_attribute("aria-invalid", "true")
    expect(content).to_have_accessible_description(re.compile("Câmpul este obligatoriu."))
    expect(page.locator("#f-continut + .form-text + .invalid-feedback")).to_have_text(
        "Câmpul este obligatoriu."
    )
    check_page(page, "formularul de depunere cu erori")
    shoot(page, screenshot_dir, "10-formular-cu-erori")


def test_status_page_follows_the_document_and_keeps_the_focus(page: Page, tmp_path: Path, app):
    """The page polls its status every 15 s (htmx): an unchanged status must not rebuild the panel under
    the user's focus; a new status is swapped in, announced, and the focus stays on the same link."""
    from tests.webflow import complete, task_id_for
    from tests.webflow import login as http_login

    login(page, "cetatean")
    submit_petition(page, tmp_path)
    page.clock.install()  # htmx's "every 15s" timer runs on a clock the test moves
    page.reload()
    page.evaluate(
        """() => document.body.addEventListener("htmx:afterRequest", () => {
            document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
        })"""
    )
    panel = page.locator("#stare-document")
    photo_link = panel.get_by_role("link", name="fotografie-stalp.png")
    photo_link.focus()

    page.clock.run_for("00:16")
    expect(page.locator("body")).to_have_attribute("data-polls", "1")
    expect(photo_link).to_be_focused()
    expect(page.locator("#anunt-stare")).to_have_text("")  # nothing changed, nothing announced

    clerk = http_login(app.test_client(), "registrator")  # the registry registers it meanwhile
    assert (
        complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "relatii-publice"}).status_code
        == 302
    )

    page.clock.run_for("00:16")
    expect(page.locator("body")).to_have_attribute("data-polls", "2")
    expect(panel).to_contain_text("Serviciul Relații cu Publicul")
    expect(page.locator("#anunt-stare")).to_contain_text("Starea documentului s-a actualizat")
    expect(photo_link).to_be_focused()
