"""A new document type made in the browser, walked as a new user would: Săcele's analyst creates it in the modeler
(starter route, forms, manifest, scenario; a decision table drafted with dmn-js), deploys it (its scenario passes),
a citizen submits it at Săcele; the county council's analyst cannot see or open it. No console errors."""

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import check_a11y, login, logout, shoot

NAME = "Atestat de producător agricol"
CODE = "atestat-producator"
PID = "atestat_producator"


def login_as(page: Page, username: str) -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))


def test_sacele_creates_deploys_a_citizen_submits_and_the_council_cannot_see_it(page: Page, screenshot_dir):
    errors: list[str] = []

    def on_console(message) -> None:
        # The browser's own favicon request is not the page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_viewport_size({"width": 1366, "height": 900})

    login_as(page, "analist.sacele")
    page.goto("/modelare/")
    page.get_by_role("link", name="Tip de document nou").click()
    page.get_by_label("Cod (în adrese și nume de fișiere)").fill(CODE)
    page.get_by_label("Numele tipului de document").fill(NAME)
    page.get_by_role("button", name="Deschide în modelator").click()
    expect(page.locator("#modelator")).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(page.locator("#versiune-curenta")).to_have_text("tip nou, neimplementat")
    expect(page.locator("#modelator .bjs-powered-by")).to_be_visible()

    # The properties panel speaks the interface language.
    page.locator('#modelator [data-element-id="redactare"]').click()
    panel = page.locator("#proprietati")
    expect(panel.get_by_text("Documentație", exact=True).first).to_be_visible()  # a group's title
    expect(panel.locator("label", has_text=re.compile("^Nume$")).first).to_be_attached()
    expect(panel.get_by_label("Formular (JSON Schema)")).to_have_value(f"{CODE}-raspuns.json")

    # A decision table drafted beside the diagram, in dmn-js's table view.
    page.get_by_label("Tabel nou (fișier .dmn)").fill("taxa-atestat.dmn")
    page.get_by_role("button", name="Adaugă tabelul").click()
    expect(page.locator("#decizie-stare")).to_contain_text("taxa-atestat.dmn")
    expect(page.locator("#decizie-editor .tjs-table")).to_be_visible()
    expect(page.locator("#decizie-editor .bjs-powered-by").first).to_be_visible()

    # The manifest's file-plan class is the code the institution's register will show.
    manifest = page.get_by_label(re.compile("Manifestul tipului de document"))
    manifest.fill(manifest.input_value().replace('"I-1"', '"III-7"'))

    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text("Nicio problemă", timeout=30000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Implementează ca versiune nouă").click()
    expect(page).to_have_url(re.compile(rf"/modelare/{PID}$"), timeout=30000)
    expect(page.locator("#modelator")).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(page.locator("#versiune-curenta")).to_have_text(re.compile(r"^v\d+$"))
    expect(page.get_by_role("status").first).to_contain_text("Tipul de document a fost creat")
    shoot(page, screenshot_dir, "60-tip-nou-implementat")
    check_a11y(page, "modelator tip nou")
    assert errors == [], errors

    # A citizen finds it at Săcele and submits it.
    page.goto("/modelare/")
    logout(page)
    login(page, "cetatean")
    page.goto("/?institutie=pm-sacele")
    page.get_by_role("link", name=f"Depune {NAME}").click()
    page.get_by_label("Subiectul cererii").fill("Atestat pentru legume și fructe")
    page.get_by_role("button", name="Trimite", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Atestat pentru legume și fructe")).to_be_visible()
    logout(page)

    # The county council's analyst neither sees nor opens it.
    login_as(page, "analist")
    page.goto("/modelare/")
    expect(page.get_by_text(PID)).to_have_count(0)
    response = page.goto(f"/modelare/{PID}")
    assert response is not None and response.status == 404
