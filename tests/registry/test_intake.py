"""Paper intake at the registry desk: scan, sender data, number, route started, receipt; refusals change nothing."""

import io
import re

from PIL import Image
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.models import Institution, User
from app.registry.access_codes import document_for_code
from app.registry.models import Attachment, Document, DocumentType
from app.storage import FileStore
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus, WorkflowInstance
from tests.registry.factory import CONTENT, PAGE, institution_id, post_paper
from tests.signing.pdfs import malformed, plain_pdf
from tests.webflow import png_bytes


def jpeg_bytes(color=(20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color).save(buffer, "JPEG")
    return buffer.getvalue()


def counts() -> tuple:
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Document, Attachment, WorkflowInstance, HumanTask, HistoryEntry, AuditEntry)
    )


def test_paper_petition_is_registered_routed_and_gets_a_receipt(app, login_as):
    client = login_as("registrator.sacele")
    page = client.get(PAGE + "?tip=petitie")
    assert page.status_code == 200 and "Documentul scanat" in page.get_data(as_text=True)
    response = post_paper(client)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.institution.code == "pm-sacele"
        assert document.channel == "hartie" and document.submitter_id is None
        assert document.sender_name == "Vasile Pop" and document.sender_phone == "0722 111 222"
        assert document.registration_number == 1 and document.page_count == 2
        assert document.file_code == "II-1"
        assert document.deadline_at is not None
        assert document.registration_label in html
        assert "Termen legal de răspuns" in html and "<svg" in html
        assert "Continuă: Înregistrare" in html  # the clerk's next step on the route, one click away
        # the code shown on the receipt opens the document; the QR's URL is the portal's tracking page
        code = html.split('id="cod-acces">')[1].split("<")[0]
        assert document_for_code(document.registration_label, code) == document
        assert "/urmarire?numar=" in html and "cod=" + code in html
        assert [a.content_type for a in document.attachments] == ["application/pdf"]
        # the same route as online: the submission step completed by the clerk, now at "Înregistrare"
        clerk = db.session.scalar(select(User).where(User.username == "registrator.sacele"))
        done = db.session.scalar(
            select(HumanTask).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.COMPLETED
            )
        )
        assert done.completed_by_id == clerk.id
        ready = db.session.scalars(
            select(HumanTask).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        ).all()
        assert [t.role_code for t in ready] == ["registrator"]
        assert all(t.institution_id == document.institution_id for t in ready)
        actions = set(
            db.session.scalars(select(AuditEntry.action).where(AuditEntry.document_id == document.id))
        )
        assert "paper_intake" in actions


def test_photos_are_combined_into_one_pdf(app, login_as, pdftotext, tmp_path):
    client = login_as("registrator.sacele")
    response = post_paper(
        client, files=[(io.BytesIO(jpeg_bytes()), "pagina1.jpg"), (io.BytesIO(png_bytes()), "pagina2.png")]
    )
    assert response.status_code == 200
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.filename == "pagina1.pdf" and attachment.content_type == "application/pdf"
        data = FileStore(app.config["STORAGE_DIR"]).get(attachment.sha256)
        assert data.startswith(b"%PDF-")
        import subprocess

        path = tmp_path / "scan.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+2\n", info) and re.search(r"Page size:\s+595", info)  # A4 pages


def test_unreadable_scan_is_refused_and_nothing_changes(app, login_as):
    client = login_as("registrator.sacele")
    with app.app_context():
        before = counts()
    broken_jpeg = jpeg_bytes()[:200]
    for files, message in (
        ([(io.BytesIO(broken_jpeg), "poza.jpg")], "nu este PDF, JPEG sau PNG"),
        ([(io.BytesIO(malformed()), "scan.pdf")], "scan.pdf"),
        ([(io.BytesIO(b"hello"), "scan.pdf")], "nu este PDF, JPEG sau PNG"),
        ([(io.BytesIO(plain_pdf()), "a.pdf"), (io.BytesIO(png_bytes()), "b.png")], "un singur PDF"),
        ([], "Încărcați documentul scanat"),
    ):
        response = post_paper(client, files=files)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_bad_sender_and_form_data_change_nothing(app, login_as):
    client = login_as("registrator.sacele")
    with app.app_context():
        before = counts()
    response = post_paper(
        client,
        expeditor_name="",
        expeditor_email="nu-e-email",
        continut="scurt",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "numele expeditorului" in html
    assert "Adresa de e-mail nu este validă." in html
    assert "cel puțin 20" in html
    with app.app_context():
        assert counts() == before
    assert post_paper(client).status_code == 200


def test_a_form_that_asks_for_a_cnp_gets_it_checked():
    from app.forms import FormDefinition
    from app.intake.paper import cnp_errors

    form = FormDefinition(
        {"type": "object", "properties": {"cnp": {"type": "string"}, "nume": {"type": "string"}}}
    )
    assert cnp_errors(form, {"cnp": "1630615123457"}) == {}
    assert "CNP-ul nu este valid" in cnp_errors(form, {"cnp": "2701116065271"})["cnp"][0]
    assert cnp_errors(form, {}) == {}


def test_clerk_cannot_register_into_another_institution(app, login_as):
    client = login_as("registrator.sacele")
    with app.app_context():
        before = counts()
    response = post_paper(client, institution="cj-brasov")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Nu aveți dreptul să înregistrați documente la Consiliul Județean Brașov" in html
    with app.app_context():
        assert counts() == before
    # the council's clerk registers into the council only, with its own numbering
    council = login_as("registrator")
    assert post_paper(council, institution="cj-brasov").status_code == 200
    assert post_paper(council, institution="pm-sacele").status_code == 403


def test_type_not_enabled_is_refused(app, login_as):
    from app.registry.catalogue import enable

    with app.app_context():
        sacele = db.session.get(Institution, institution_id("pm-sacele"))
        petition = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
        enable(sacele, petition, enabled=False)
        db.session.commit()
    client = login_as("registrator.sacele")
    with app.app_context():
        before = counts()
    response = post_paper(client)
    assert response.status_code == 403
    assert "nu este activat la Primăria Municipiului Săcele" in response.get_data(as_text=True)
    assert "Petiție" not in client.get(PAGE).get_data(as_text=True).split('id="tip"')[1].split("</select>")[0]
    with app.app_context():
        assert counts() == before


def test_register_paper_refuses_type_not_enabled_directly(ctx):
    import pytest

    from app.intake.paper import IntakeRefused, Sender, register_paper
    from app.registry.catalogue import enable

    sacele = db.session.get(Institution, institution_id("pm-sacele"))
    petition = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    clerk = db.session.scalar(select(User).where(User.username == "registrator.sacele"))
    enable(sacele, petition, enabled=False)
    with pytest.raises(IntakeRefused, match="nu este folosit"):
        register_paper(
            clerk, sacele, petition, Sender("Vasile Pop"), {"subiect": "x" * 10, "continut": CONTENT}, []
        )


def test_citizens_and_officials_cannot_open_the_desk(app, login_as):
    for username in ("cetatean", "referent", "auditor"):
        client = login_as(username)
        assert client.get(PAGE).status_code == 403, username


def test_secretary_general_may_register(app, login_as):
    client = login_as("secretar")
    assert post_paper(client, institution="cj-brasov").status_code == 200


def test_double_submit_registers_once(app, login_as):
    client = login_as("registrator.sacele")
    first = post_paper(client, submission_key="k" * 32)
    assert first.status_code == 200
    second = post_paper(client, submission_key="k" * 32)
    assert second.status_code == 302 and "/recipisa" in second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 1
