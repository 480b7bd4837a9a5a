import pytest
from flask import Flask
from flask_babel import Babel


@pytest.fixture(autouse=True)
def babel_request_context():
    """Minimal app so flask_babel.gettext runs with the Romanian locale; no database needed."""
    app = Flask(__name__)
    Babel(app, default_locale="ro")
    with app.test_request_context():
        yield app
