"""The petition walked in English in Chromium: citizen, registry, head of unit, official, signatures, and the citizen
again. No page shows Romanian: no Romanian letters and none of the interface's Romanian words in what is visible,
once people's own data (the petition's text, names of people, institutions and departments) is set aside."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.pages import check_a11y
from tests.webflow import compile_english, romanian_in

SUBJECT = "Iluminat public defect pe strada Lungă"
CONTENT = "Pe strada Lungă din Brașov nu funcționează iluminatul public de două săptămâni."
DRAFT = "Vă comunicăm că lucrarea de remediere se execută până la 30.11.2026."


def data_of_people(app) -> list[str]:
    from app.extensions import db
    from app.identity.models import Department, Institution, Membership, User
    from app.registry.models import Register

    with app.app_context():
        names = [*db.session.scalars(select(Institution.name)), *db.session.scalars(select(Department.name))]
        names += [*db.session.scalars(select(User.full_name)), *db.session.scalars(select(Register.name))]
        # function titles as the signed letter prints them under the signatures ("Șef serviciu")
        names += [t for t in db.session.scalars(select(Membership.function_title)) if t]
    # the petition's own text, and the language switch, which names itself
    return [SUBJECT, CONTENT, DRAFT, "Română", *names]


def sign_in(page: Page, username: str) -> None:
    """A fresh session (sign-out included), signed in, the interface switched to English."""
    page.context.clear_cookies()
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def no_romanian(page: Page, where: str, allowed: list[str]) -> None:
    page.wait_for_load_state("networkidle")  # the diagram and the live status are drawn
    text = page.locator("body").inner_text()
    text = re.sub(
        r"\S+\.(?:pdf|png|jpe?g)\b", " ", text
    )  # file names are data (the answer's "raspuns-1.pdf")
    found = romanian_in(text, allowed)
    assert not found, f"Romanian on {where} ({page.url}): {found}"


def open_task(page: Page, name: str, allowed: list[str]) -> None:
    page.goto("/sarcini/")
    no_romanian(page, f"the inbox before {name}", allowed)
    page.get_by_role("link", name=f"{name}: {SUBJECT}").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    no_romanian(page, f"the task {name}", allowed)


def finish(page: Page, name: str, button: str = "Complete step") -> None:
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/sarcini/$"))
    expect(page.get_by_role("status").first).to_contain_text(name)


def test_the_petition_in_english_shows_no_romanian(app, page: Page, tmp_path: Path):
    compile_english(app)
    allowed = data_of_people(app)

    # The citizen: the form, a refused submission, the document's page.
    sign_in(page, "cetatean")
    page.goto("/depune/petitie")
    expect(page.get_by_role("heading", level=1, name="Petition")).to_be_visible()
    no_romanian(page, "the submission form", allowed)
    check_a11y(page, "the submission form in English")
    page.get_by_label("Content of the petition").fill(CONTENT)
    page.get_by_label("Subject of the petition").fill("abc")  # too short
    page.get_by_role("button", name="Send").click()
    summary = page.locator("#rezumat-erori")
    expect(summary).to_contain_text("Subject of the petition")
    no_romanian(page, "the refused submission", [*allowed, "abc"])
    page.get_by_label("Subject of the petition").fill(SUBJECT)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1, name=SUBJECT)).to_be_visible()
    no_romanian(page, "the citizen's document page", allowed)
    expect(page.get_by_text("Submitting the petition").first).to_be_visible()

    # Registry, head of unit, official.
    sign_in(page, "registrator")
    open_task(page, "Registration", allowed)
    page.get_by_label("Department it is assigned to").select_option(label="Serviciul Relații cu Publicul")
    finish(page, "Registration")

    sign_in(page, "sef.serviciu")
    open_task(page, "Assignment", allowed)
    page.get_by_label("Case officer who drafts the answer").select_option(label="Elena Dumitrescu")
    finish(page, "Assignment")

    sign_in(page, "referent")
    open_task(page, "Drafting the answer", allowed)
    page.get_by_label("Text of the answer").fill(DRAFT)
    finish(page, "Drafting the answer")

    sign_in(page, "sef.serviciu")
    open_task(page, "Approval of the answer", allowed)
    page.get_by_role("radio", name="I approve the answer").check()
    finish(page, "Approval of the answer")
    # the staff document page, with the route's diagram labelled in English
    page.goto("/documente/")
    page.get_by_role("link", name=re.compile(re.escape(SUBJECT))).first.click()
    expect(page.locator(".djs-container")).to_be_visible()
    expect(page.locator(".djs-container").get_by_text("Approval of the answer")).to_be_visible()
    no_romanian(page, "the staff document page", allowed)
    expect(page.locator("#descriere-diagrama")).to_contain_text(
        "Current step, highlighted on the diagram: Signing"
    )
    check_a11y(page, "the staff document page")

    # The signatures.
    sign_in(page, "referent")
    open_task(page, "Signing the answer (case officer)", allowed)
    finish(page, "Signing the answer (case officer)", button="Sign the document")
    sign_in(page, "sef.serviciu")
    open_task(page, "Signing the answer (head of unit)", allowed)
    finish(page, "Signing the answer (head of unit)", button="Sign the document")

    # The citizen finds the answer.
    sign_in(page, "cetatean")
    page.goto("/documentele-mele")
    page.get_by_role("link", name=re.compile(re.escape(SUBJECT))).click()
    expect(page.get_by_role("link", name="Download the reply (PDF)")).to_be_visible()
    expect(page.get_by_text("Valid signature:").first).to_be_visible()
    page.get_by_text("Details of the check").first.click()  # the full validation report
    expect(page.get_by_text("Signed by Elena Dumitrescu").first).to_be_visible()
    no_romanian(page, "the answered document and its validation report", allowed)
