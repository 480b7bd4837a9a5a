"""The auditor steps through a completed petition (with a return for changes) on its diagram, in Chromium."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import check_a11y, open_menu, shoot


def make_completed_petition(app) -> dict:
    """In a thread of its own: the signing steps run asyncio, and Playwright's sync API holds this thread's loop."""
    import threading

    from app.extensions import db
    from tests.audit.helpers import petition_with_loop

    info: dict = {}

    def run():
        with app.app_context():
            document = petition_with_loop()
            info.update(id=document.public_id, label=document.registration_label, subject=document.subject)
            db.session.remove()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert info, "the petition could not be completed"
    return info


def test_auditor_steps_through_a_petition_with_a_loop(page: Page, app, screenshot_dir: Path):
    doc = make_completed_petition(app)
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("auditor")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    open_menu(page)

    # Search by number, as an auditor would, and open the document.
    page.goto("/audit/")
    page.get_by_label("Document: număr sau subiect").fill(doc["label"])
    page.get_by_role("button", name="Caută").click()
    check_a11y(page, "căutare audit")
    shoot(page, screenshot_dir, "20-audit-cautare")
    page.get_by_role("link", name=re.compile(re.escape(doc["subject"]))).click()
    expect(page.get_by_role("heading", level=1, name=doc["subject"])).to_be_visible()
    expect(page.locator("#rezultat-reluare")).to_contain_text("Reluare verificată")
    expect(page.locator("#versiune-traseu")).to_contain_text("v1")

    diagram = page.locator("#diagrama-audit")
    expect(diagram).to_have_attribute("data-ready", "true")
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # bpmn.io's watermark stays
    steps = page.locator("#pasi-audit .audit-step")
    total = steps.count()
    assert total >= 15
    elements = [steps.nth(i).get_attribute("data-element") for i in range(total)]
    flows = [steps.nth(i).get_attribute("data-flow") for i in range(total)]
    assert elements.count("redactare") == 2 and elements.count("aprobare") == 2

    def element(bpmn_id: str):
        return page.locator(f'g.djs-element[data-element-id="{bpmn_id}"]')

    counter = page.locator("#pas-numar")
    for i in range(total):
        if i:
            page.get_by_role("button", name="Înainte ▶").click()
        expect(counter).to_have_text(f"Pasul {i + 1} din {total}")
        expect(element(elements[i])).to_have_class(re.compile(r"\baudit-curent\b"))
        if flows[i]:
            expect(element(flows[i])).to_have_class(re.compile(r"\baudit-flux-curent\b"))
        details = steps.nth(i).locator(".audit-step-details")
        expect(details).to_be_visible()
        expect(steps.nth(i).locator("[data-goto]")).to_have_attribute("aria-current", "step")
        if elements[i] == "redactare" and flows[i] == "f_returnat":
            # The loop: back to the draft along the "returned" flow, with what changed.
            expect(details).to_contain_text("Elena Dumitrescu")
            expect(details.locator(".audit-step-changes")).to_contain_text("Textul răspunsului")
            check_a11y(page, "pasul buclei de returnare")
            shoot(page, screenshot_dir, "21-audit-pas-retur")
        if elements[i] == "aprobare" and i < total - 1 and "f_returnat" in flows[i + 1 :]:
            expect(details).to_contain_text("Precizați termenul.")
    expect(page.get_by_role("button", name="Înainte ▶")).to_be_disabled()

    # Back one step, then play from the start (fast) to the end.
    page.get_by_role("button", name="◀ Înapoi").click()
    expect(counter).to_have_text(f"Pasul {total - 1} din {total}")
    diagram.evaluate("el => { el.dataset.interval = '40'; }")
    page.get_by_role("button", name="Înainte ▶").click()
    page.get_by_role("button", name="▶ Redă").click()
    expect(counter).to_have_text(f"Pasul {total} din {total}", timeout=10_000)
    expect(page.get_by_role("button", name="▶ Redă")).to_have_attribute("aria-pressed", "false")
    expect(element(elements[-1])).to_have_class(re.compile(r"\baudit-curent\b"))
    expect(element("redactare")).to_have_class(re.compile(r"\baudit-parcurs\b"))
    check_a11y(page, "pagina de audit a documentului")
    shoot(page, screenshot_dir, "22-audit-document")

    # Jump to a step from the list.
    steps.nth(1).locator("[data-goto]").click()
    expect(counter).to_have_text(f"Pasul 2 din {total}")
    expect(element(elements[1])).to_have_class(re.compile(r"\baudit-curent\b"))
