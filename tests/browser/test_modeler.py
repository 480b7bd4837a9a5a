"""The modeler in Chromium: the analyst opens a route in bpmn-js, checks it and deploys it; the bpmn.io watermark
is visible; a broken diagram (edited as XML) is refused with its problems and marks the element."""

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import check_a11y, shoot


def login_analyst(page: Page) -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("analist")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))


def test_analyst_opens_checks_and_deploys_in_the_modeler(page: Page, screenshot_dir):
    page.set_viewport_size({"width": 1366, "height": 900})
    login_analyst(page)
    page.goto("/modelare/")
    check_a11y(page, "modelare")
    page.get_by_role("row", name=re.compile("Certificat de urbanism")).get_by_role(
        "link", name="Deschide"
    ).click()
    expect(page).to_have_url(re.compile(r"/modelare/certificat_urbanism$"))
    holder = page.locator("#modelator")
    expect(holder).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(page.locator("#modelator .djs-palette")).to_be_visible()  # the modeler, not the viewer
    expect(page.locator('#modelator [data-element-id="verificare"]')).to_be_visible()
    watermark = page.locator("#modelator .bjs-powered-by")
    expect(watermark).to_be_visible()
    box = watermark.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0

    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text("Nicio problemă: traseul poate fi implementat.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Implementează ca versiune nouă").click()
    expect(page.locator("#rezultat")).to_contain_text("Nicio modificare: versiunea 1 rămâne curentă.")

    # Break the diagram in the XML panel: a script that imports.
    page.get_by_role("button", name="XML").click()
    xml = page.locator("#xml")
    expect(xml).to_have_value(re.compile("issue_answer"))
    xml.fill(xml.input_value().replace("issue_answer(certificat)", "__import__(&apos;os&apos;)"))
    page.get_by_role("button", name="Încarcă XML").click()
    expect(page.locator("#rezultat")).to_contain_text("XML încărcat")
    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text("certificat-urbanism.bpmn: emitere: script:")
    expect(page.locator('#modelator [data-element-id="emitere"].problema')).to_have_count(1)
    shoot(page, screenshot_dir, "20-modelator-probleme")
    check_a11y(page, "modelator")


def test_properties_panel_edits_a_script_and_a_form_drafted_on_the_page(page: Page, screenshot_dir):
    page.set_viewport_size({"width": 1366, "height": 900})
    login_analyst(page)
    page.goto("/modelare/adresa")
    expect(page.locator("#modelator")).to_have_attribute("data-loaded", "true", timeout=15000)

    # A user task shows the form files it uses, chosen from forms/.
    page.locator('#modelator [data-element-id="repartizare"]').click()
    panel = page.locator("#proprietati")
    expect(panel).to_contain_text("Registratura (SpiffWorkflow)")
    form_select = panel.get_by_label("Formular (JSON Schema)")
    expect(form_select).to_have_value("adresa-repartizare.json")

    # A form drafted on the page becomes a choice, travels with the diagram and is checked with it.
    page.locator("#formular-nou-panou summary").click()
    page.get_by_label("Numele fișierului").fill("adresa-repartizare-v2.json")
    page.get_by_label("Conținutul (JSON Schema)").fill(
        '{"type": "object", "required": ["referent"], "properties": {"referent": {"type": "string", '
        '"title": "Referent", "x-options": "department_officials"}, "indrumari": {"type": "string"}}}'
    )
    page.get_by_role("button", name="Adaugă formularul").click()
    expect(page.locator("#rezultat")).to_contain_text("adresa-repartizare-v2.json a fost adăugat")
    page.locator('#modelator [data-element-id="inregistrare"]').click()
    page.locator('#modelator [data-element-id="repartizare"]').click()
    panel.get_by_label("Formular (JSON Schema)").select_option("adresa-repartizare-v2.json")
    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text("Nicio problemă")

    # A script edited in the panel that tries to import is refused by the check and marked on the diagram.
    page.locator('#modelator [data-element-id="emitere"]').click()
    script = panel.get_by_label("Script")
    expect(script).to_have_value(re.compile("issue_answer"))
    script.fill("__import__('os').system('id')")
    script.press("Tab")
    page.get_by_role("button", name="Verifică").click()
    expect(page.locator("#rezultat")).to_contain_text("adresa.bpmn: emitere: script:")
    expect(page.locator('#modelator [data-element-id="emitere"].problema')).to_have_count(1)
    shoot(page, screenshot_dir, "21-modelator-proprietati")
    check_a11y(page, "modelator-proprietati")
