"""The limit of files and bytes per request is said next to the file field and enforced on submission; the stored
name takes the extension of the detected type."""

import io

from sqlalchemy import select

from app.extensions import db
from app.registry.models import Attachment
from tests.webflow import png_bytes, submit_petition

LIMITS = "cel mult 10 fișiere, 2 MB fiecare și 40 MB împreună"


def test_limits_are_said_next_to_the_field(login_as):
    page = login_as("cetatean").get("/depune/petitie").get_data(as_text=True)
    assert LIMITS in page
    assert '-limits"' in page and "aria-describedby" in page


def test_too_many_files_in_one_request_are_refused(app, login_as):
    client = login_as("cetatean")
    files = [(io.BytesIO(png_bytes()), f"poza{i}.png") for i in range(11)]
    response = submit_petition(client, files=files)
    assert response.status_code == 400
    assert "Trimiteți cel mult 10 fișiere odată." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Attachment).where(Attachment.filename.like("poza%"))) is None


def test_the_stored_name_takes_the_detected_extension(app, login_as):
    client = login_as("cetatean")
    response = submit_petition(client, files=[(io.BytesIO(png_bytes()), "poza\u202egnp.exe")])
    assert response.status_code == 302
    with app.app_context():
        names = db.session.scalars(
            select(Attachment.filename).where(Attachment.content_type == "image/png")
        ).all()
        assert "pozagnp.png" in names
