"""Browser fixtures: the application served from a thread, Debian's Chromium, a phone-sized context.

Never run `playwright install`: Playwright drives /usr/bin/chromium (see docs/testing-notes.md).
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The session `app` on a free port, for one test. Its name makes tests/conftest.py reload the demo data."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def base_url(live_server: str) -> str:
    """Overrides pytest-playwright's: `page.goto("/")` opens the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(base_url: str) -> dict:
    # Function scope, and not built on the plugin's session-scoped fixture (which would ask for this
    # function-scoped base_url): the base URL is the port of this test's live server.
    return {
        "base_url": base_url,
        "viewport": PHONE,
        "locale": "ro-RO",
        "accept_downloads": True,
        # Bootstrap then skips its colour transitions: axe must judge a button's final hover colours, not a frame
        # of the fade (seen: a contrast of 4.2 measured mid-transition on a button just clicked).
        "reduced_motion": "reduce",
    }


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig) -> Path:
    """test-results/screenshots/ (gitignored); pytest-playwright empties test-results/ at the start of a run."""
    path = pytestconfig.rootpath / "test-results" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
