import pytest


@pytest.fixture(autouse=True)
def _helpers_registered(app):
    """The engine knows script helpers only as the packages register them (each package's init_app), so every
    test here, even one that checks a BPMN file without the database, runs after the application is assembled."""
    yield
