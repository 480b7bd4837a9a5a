"""Shared steps of the browser tests: accessibility and layout checks, screenshots, the menu, logging in and out,
work that must run outside Playwright's event loop."""

import re
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

_axe = Axe()


BLOCKING_IMPACTS = ("serious", "critical")


def check_a11y(page: Page, where: str) -> None:
    """No axe violation of impact serious or critical on the page as it is now, its stylesheets applied (contrast
    measured before then compares white text with the unstyled background)."""
    page.wait_for_load_state("load")
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe on {where} ({page.url}): {len(blocking)} serious/critical violation(s)"]
        for violation in blocking:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.append(f"  {violation['helpUrl']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    at {' '.join(map(str, node['target']))}")
                lines.append(f"       {node['html'][:200]}")
                summary = (node.get("failureSummary") or "").replace("\n", " / ")
                if summary:
                    lines.append(f"       {summary[:300]}")
        pytest.fail("\n".join(lines), pytrace=False)


def check_fits_phone(page: Page, where: str) -> None:
    """Nothing wider than the screen: a phone user never scrolls sideways."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where} ({page.url}) is {widths[0]}px wide on a {widths[1]}px screen"


def check_page(page: Page, where: str) -> None:
    check_a11y(page, where)
    check_fits_phone(page, where)


def shoot(page: Page, screenshot_dir: Path, name: str) -> None:
    page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)


def open_menu(page: Page) -> None:
    """At phone width the navbar is collapsed behind its toggler: open it, and wait until it is open."""
    # Only once the page has loaded: before Bootstrap's stylesheet applies, a wide screen's toggler still looks
    # visible, then disappears (and a role query never finds a hidden element).
    page.wait_for_load_state("load")
    toggler = page.get_by_role("button", name="Deschide meniul")
    if not toggler.is_visible():
        return  # a wide screen shows the whole navbar
    # The toggler is drawn before Bootstrap's script runs; a click before that is lost.
    page.wait_for_function("() => window.bootstrap !== undefined")
    if toggler.get_attribute("aria-expanded", timeout=5000) != "true":
        toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Bootstrap swaps `collapsing` for `show` when the animation ends: click nothing in a moving menu.
    expect(page.locator("#meniu")).to_have_class(re.compile(r"\bshow\b"))


def logout(page: Page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Ieșire").click()
    expect(page).to_have_url(re.compile(r"/autentificare$"))
    expect(page.get_by_role("status")).to_contain_text("Ați ieșit din cont.")


def login(page: Page, username: str, password: str = "demo") -> None:
    page.goto("/autentificare")
    page.get_by_label("Utilizator sau e-mail").fill(username)
    page.get_by_label("Parola").fill(password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).not_to_have_url(re.compile(r"/autentificare"))  # the new page, not the login form
    # The signed-in page's navbar (the name is in it even while the phone menu is folded): the menu is opened on
    # this page, never on the login form the browser is leaving.
    page.wait_for_load_state("load")
    expect(page.get_by_role("navigation").get_by_text(FULL_NAMES[username])).to_be_attached()
    open_menu(page)
    expect(page.get_by_role("navigation").get_by_text(FULL_NAMES[username])).to_be_visible()


def in_thread(app, work) -> None:
    """Signing (pyhanko) runs its own asyncio loop, which cannot start under Playwright's: another thread."""
    errors = []

    def run():
        try:
            with app.app_context():
                work()
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]


FULL_NAMES = {
    "cetatean": "Ana Popescu",
    "registrator": "Ioana Marinescu",
    "sef.serviciu": "Mihai Ionescu",
    "referent": "Elena Dumitrescu",
    "secretar": "Gheorghe Stănescu",
}
