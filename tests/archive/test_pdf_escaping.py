"""User text in the archive's PDFs (inventory, disposal report) is text, never reportlab markup: a department or
file class named with tags neither crashes the PDF nor embeds a server file."""

from types import SimpleNamespace

from app.archive.disposal import _destruction_report
from app.archive.retention import inventory_pdf
from app.extensions import db
from tests.archive.helpers import Web, archived_petition

HOSTILE = '<img src="/etc/passwd" width="400" height="400"/> Serviciul <b>X</b> & Co'


def test_inventory_with_markup_in_names(ctx, app, pdftotext, tmp_path):
    record = archived_petition()
    file_class = record.archive_file.file_class
    file_class.name = HOSTILE
    file_class.department.name = "<font size=40>Urbanism</font> <img src='/etc/hostname'/>"
    db.session.flush()
    response = Web(app, "arhivar").get(
        f"/arhiva/inventar/{record.archive_file.year}.pdf?compartiment={file_class.department.id}"
    )
    db.session.rollback()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    assert "<b>X</b> & Co" in text and '<img src="/etc/passwd"' in text
    assert "<font size=40>Urbanism</font>" in text


def test_inventory_function_escapes_institution_and_department(ctx, app, pdftotext, tmp_path):
    record = archived_petition()
    record.archive_file.file_class.name = HOSTILE
    institution = SimpleNamespace(name="Primăria <i>Test</i> <img src='/etc/passwd'/>")
    department = SimpleNamespace(name="Dep. <b>1</b>")
    pdf = inventory_pdf(institution, department, record.archive_file.year, [record.archive_file])
    text = pdftotext(pdf, tmp_path)
    assert "Primăria <i>Test</i> <img src='/etc/passwd'/> · Dep. <b>1</b>" in text
    assert "Serviciul <b>X</b> & Co" in text


def test_disposal_report_escapes_names(ctx, pdftotext, tmp_path):
    disposal = SimpleNamespace(
        document=SimpleNamespace(
            institution=SimpleNamespace(name="Consiliul <img src='/etc/passwd'/>"),
            registration_label="7/01.12.2026",
        )
    )
    actor = SimpleNamespace(full_name="Ana <b>Pop</b>")
    descriptions = [
        {
            "dosar": "II-1",
            "denumire": HOSTILE,
            "an": 2020,
            "termen_pastrare": "5 ani",
            "pastrare_pana_la": "31.12.2025",
            "inregistrari": [{"numar": "3/2020", "titlu": "Cerere <font color=red>roșie</font>"}],
        }
    ]
    pdf = _destruction_report(disposal, descriptions, actor)
    text = pdftotext(pdf, tmp_path)
    assert "Consiliul <img src='/etc/passwd'/>" in text and "Ana <b>Pop</b>" in text
    assert "Serviciul <b>X</b> & Co" in text and "Cerere <font color=red>roșie</font>" in text
