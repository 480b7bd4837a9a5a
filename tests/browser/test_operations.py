"""The versions page, the diff of two versions (two bpmn-js viewers with the changes marked) and the operations
console in Chromium: accessible, no console errors, the bpmn.io watermark visible."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import check_a11y, shoot

ROOT = Path(__file__).resolve().parents[2]


def test_versions_diff_and_console(page: Page, app, screenshot_dir):
    from app.extensions import db
    from app.identity.models import Institution, User
    from app.workflow.deploy import CheckedProcess, store_version
    from app.workflow.ownership import current_for

    with app.app_context():
        xml = (ROOT / "processes" / "adresa.bpmn").read_text(encoding="utf-8")
        council = db.session.scalar(db.select(Institution).where(Institution.code == "cj-brasov"))
        analyst = db.session.scalar(db.select(User).where(User.username == "analist"))
        store_version(
            CheckedProcess(
                "adresa",
                "Adresă",
                "modeler:adresa.bpmn",
                xml.replace('name="Repartizare"', 'name="Repartizare la funcționar"'),
                current_for("adresa", None).forms,
            ),
            council.id,
            analyst,
        )
        db.session.commit()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and "favicon.ico" not in (message.location.get("url") or "")
            else None
        ),
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("analist")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/modelare/adresa/versiuni")
    expect(page.get_by_role("cell", name="Radu Munteanu")).to_be_visible()
    check_a11y(page, "versiuni")
    page.get_by_role("button", name="Arată diferențele").click()
    expect(page).to_have_url(re.compile(r"/modelare/adresa/diferente"))
    expect(page.locator('[data-changes="changed"]')).to_contain_text("repartizare")
    changed = page.locator('#diagrama-b [data-element-id="repartizare"].versiune-changed')
    expect(changed).to_have_count(1, timeout=15000)
    expect(page.locator('#diagrama-a [data-element-id="repartizare"].versiune-changed')).to_have_count(1)
    expect(page.locator("#diagrama-b .bjs-powered-by")).to_be_visible()
    shoot(page, screenshot_dir, "40-diferente-versiuni")
    check_a11y(page, "diferente")
    page.goto("/operare/")
    expect(page.get_by_role("heading", name="Operare trasee")).to_be_visible()
    check_a11y(page, "operare")
    assert errors == [], errors  # (the browser's own favicon request aside)


def test_the_modeler_shows_warnings_without_refusing(page: Page):
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and "favicon.ico" not in (message.location.get("url") or "")
            else None
        ),
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("analist")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/modelare/petitie")
    expect(page.locator("#modelator")).to_have_attribute("data-loaded", "true", timeout=15000)
    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text(
        "Nicio problemă: traseul poate fi implementat. De verificat"
    )
    # In the interface language (Romanian here).
    expect(page.locator("#rezultat")).to_contain_text("variabila de atribuire „referent” poate lipsi")
    expect(page.locator('#modelator [data-element-id="redactare"].avertisment')).to_have_count(1)
    check_a11y(page, "modelator-avertismente")
    assert errors == [], errors  # no keyboard.bindTo error, no invalid form-name pattern


def test_the_modeler_marks_what_no_scenario_covers(page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("analist")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    page.goto("/modelare/adresa")
    expect(page.locator("#modelator")).to_have_attribute("data-loaded", "true", timeout=15000)
    page.get_by_role("button", name="Acoperire scenarii").click()
    expect(page.locator("#rezultat")).to_contain_text("19 of 19 elements")
    expect(page.locator("#modelator .neacoperit")).to_have_count(0)
