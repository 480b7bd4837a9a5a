"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (FLASK_APP=wsgi:app)."""

from app import create_app

app = create_app()
