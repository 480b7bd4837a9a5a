"""The archivist in Chromium, phone-sized: a completed petition is in the archive (job run), its file in the file
plan, its record card; search finds it; the fixity check reports a file altered on disk. Each page passes axe."""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_petition_walk import check_a11y, open_menu, shoot


def make_archived_petition(app) -> dict:
    """In a thread of its own (signing runs asyncio; Playwright's sync API holds this thread's loop)."""
    import threading

    from app.extensions import db

    info: dict = {}

    def run():
        with app.app_context():
            from app.archive.models import ItemKind
            from tests.archive.helpers import archived_petition

            record = archived_petition("Iluminat public defect pe strada Lungă")
            lta = next(i for i in record.items if i.kind == ItemKind.LTA)
            info.update(
                id=record.public_id, label=record.registration_label, title=record.title, lta=lta.sha256
            )
            db.session.remove()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert info, "the petition could not be archived"
    return info


def test_archivist_finds_the_record_and_sees_fixity_problems(page: Page, app, screenshot_dir: Path):
    doc = make_archived_petition(app)
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill("arhivar")
    page.get_by_label("Parola").fill("demo")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))
    open_menu(page)
    page.get_by_role("link", name="Arhivă").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arhiva electronică")
    expect(page.get_by_role("cell", name="Petiții și răspunsuri")).to_be_visible()
    check_a11y(page, "nomenclator")
    shoot(page, screenshot_dir, "80-arhiva-nomenclator")

    page.goto("/arhiva/cautare")
    page.get_by_label("Termeni de căutare").fill("iluminatului")
    page.get_by_role("button", name="Caută").click()
    page.get_by_role("link", name=doc["label"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fișa de arhivare")
    expect(page.locator("#fisa")).to_contain_text(doc["id"])
    expect(page.locator("#fisa")).to_contain_text("Consiliul Județean Brașov")
    check_a11y(page, "fișa de arhivare")
    shoot(page, screenshot_dir, "81-arhiva-fisa")

    with app.app_context():
        from app.storage import current_store

        path = current_store().path(doc["lta"])
    os.chmod(path, 0o640)
    path.write_bytes(b"%PDF-1.7 altered on disk")
    page.goto("/arhiva/fixitate")
    page.get_by_role("button", name="Verifică acum").click()
    expect(page.get_by_role("alert").first).to_contain_text(re.compile(r"problemă"))
    expect(page.locator(".problems").first).to_contain_text(doc["lta"])
    check_a11y(page, "verificarea integrității")
    shoot(page, screenshot_dir, "82-arhiva-fixitate")
