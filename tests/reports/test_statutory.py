"""Statutory reports: the petitions report of OG 27/2002 and the yearly report of Law 544/2001, per institution
and period, as PDF and CSV; a period not begun gives a message and no file; only the secretary general of the
institution draws them."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Document, DocumentStatus
from app.reports import statutory
from app.workflow.models import HistoryEntry, WorkflowInstance
from tests.reports.helpers import entry, institution
from tests.webflow import complete, csrf_token, submit_petition, task_id_for

pytestmark = pytest.mark.date_sensitive

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def event(document, name, data=None):
    db.session.add(HistoryEntry(document_id=document.id, event=name, data=data or {}, message=name))
    db.session.flush()


def rows(report, title_start):
    section = next(s for s in report.sections if s.title.startswith(title_start))
    return {row[0]: row[1] if len(row) == 2 else row[1:] for row in section.rows}


def seed_petitions():
    start = datetime(2026, 8, 1, 9, tzinfo=UTC)
    entry("cj-brasov", start, closed_at=start + 20 * DAY, deadline_at=start + 30 * DAY, channel="hartie")
    entry("cj-brasov", start, closed_at=start + 40 * DAY, deadline_at=start + 30 * DAY)
    extended = entry("cj-brasov", start, closed_at=start + 40 * DAY, deadline_at=start + 45 * DAY)
    event(extended, "deadline_changed")
    event(extended, "task_completed", {"categorie": "<b>Iluminat</b> & drumuri"})
    entry(
        "cj-brasov",
        start,
        closed_at=start + DAY,
        status=DocumentStatus.CLOSED_NO_ACTION,
        department_code=None,
    )
    forwarded = entry("cj-brasov", start, closed_at=start + 3 * DAY, deadline_at=start + 30 * DAY)
    event(forwarded, "forwarded", {"institution": "pm-sacele"})
    first = entry("cj-brasov", start + 60 * DAY, deadline_at=start + 90 * DAY)  # open, deadline passed by NOW
    entry("cj-brasov", start + 61 * DAY, deadline_at=start + 120 * DAY, linked_document_id=first.id)
    # never counted: another institution, the first semester, an annulled entry
    entry("pm-sacele", start, deadline_at=start + 30 * DAY)
    entry("cj-brasov", datetime(2026, 3, 2, 9, tzinfo=UTC), deadline_at=datetime(2026, 4, 1, tzinfo=UTC))
    entry("cj-brasov", start, status=DocumentStatus.ANNULLED)


def test_petitions_report_of_the_second_semester(ctx):
    seed_petitions()
    report = statutory.build(statutory.PETITIONS, institution("cj-brasov"), "2026", "S2", NOW)
    assert (report.start.isoformat(), report.end.isoformat()) == ("2026-07-01", "2026-12-31")
    assert report.partial  # December has not ended
    assert rows(report, "1.")["petiții înregistrate în perioadă"] == 7
    channels = rows(report, "2.")
    assert channels["hârtie (depus la registratură)"] == 1 and channels["electronic (Ghișeul Unic)"] == 6
    outcomes = rows(report, "3.")
    assert outcomes["soluționate în termen"] == 2  # 20 days; 40 days within an extended deadline
    assert outcomes["soluționate peste termen"] == 1
    assert outcomes["redirecționate către instituția competentă (art. 6 alin. (2))"] == 1
    assert outcomes["clasate: anonime sau fără date de identificare (art. 7)"] == 1
    assert outcomes["în lucru, cu termenul depășit"] == 1 and outcomes["în lucru, în termen"] == 1
    assert outcomes["din care cu termen prelungit (art. 9)"] == 1
    assert outcomes["conexate altor petiții (art. 11)"] == 1
    assert rows(report, "4.")["<b>Iluminat</b> & drumuri"] == 1
    departments = rows(report, "5.")
    assert departments["Serviciul Relații cu Publicul"] == [6, 2, 2, 1] and departments["nerepartizate"] == [
        1,
        0,
        0,
        0,
    ]


def test_public_information_report_of_the_year(ctx):
    start = datetime(2026, 2, 2, 9, tzinfo=UTC)
    kw = {"type_code": "informatii-publice"}
    entry("cj-brasov", start, closed_at=start + 5 * DAY, deadline_at=start + 10 * DAY, **kw)
    complex_search = entry(
        "cj-brasov", start, closed_at=start + 20 * DAY, deadline_at=start + 30 * DAY, channel="hartie", **kw
    )
    event(complex_search, "task_completed", {"decizie": "complexa"})
    refused = entry("cj-brasov", start, closed_at=start + 4 * DAY, deadline_at=start + 5 * DAY, **kw)
    event(refused, "task_completed", {"decizie": "refuz"})
    not_held = entry("cj-brasov", start, closed_at=start + 3 * DAY, deadline_at=start + 5 * DAY, **kw)
    event(not_held, "task_completed", {"decizie": "inexistenta"})  # the analysis form's "not held" answer
    entry("cj-brasov", start, deadline_at=start + 10 * DAY, **kw)  # never answered: late
    report = statutory.build(statutory.PUBLIC_INFORMATION, institution("cj-brasov"), "2026", None, NOW)
    assert (report.start.isoformat(), report.end.isoformat()) == ("2026-01-01", "2026-12-31")
    figures = rows(report, "B. ")
    assert figures["solicitări înregistrate"] == 5 and figures["de la persoane fizice"] == 5
    assert figures["pe suport de hârtie"] == 1 and figures["pe suport electronic"] == 4
    assert figures["rezolvate favorabil"] == 2 and figures["respinse: informații exceptate (art. 12)"] == 1
    assert figures["respinse: informații inexistente"] == 1 and figures["în lucru"] == 1
    assert figures["răspuns în 10 zile"] == 3 and figures["răspuns în 30 de zile (căutare complexă)"] == 1
    assert figures["răspuns peste termen sau termen depășit"] == 1
    assert rows(report, "A.")["informații publicate din oficiu (art. 5)"] == statutory.NOT_RECORDED


@pytest.mark.parametrize(
    ("kind", "year", "period"),
    [(statutory.PETITIONS, "2027", "S1"), (statutory.PUBLIC_INFORMATION, "2027", None)],
)
def test_a_period_not_begun_is_refused(ctx, kind, year, period):
    with pytest.raises(statutory.ReportRefused, match="nu a început încă"):
        statutory.build(kind, institution("cj-brasov"), year, period, NOW)


def test_pdf_and_csv_keep_user_text_as_text(ctx, tmp_path, pdftotext):
    seed_petitions()
    document = entry("cj-brasov", datetime(2026, 9, 1, tzinfo=UTC))
    event(document, "task_completed", {"categorie": '=HYPERLINK("x")'})
    report = statutory.build(statutory.PETITIONS, institution("cj-brasov"), "2026", "S2", NOW)
    text = pdftotext(statutory.to_pdf(report), tmp_path)
    assert (
        "<b>Iluminat</b> & drumuri" in text
        and "Raport privind activitatea de soluționare a petițiilor" in text
    )
    assert "Consiliul Județean Brașov" in text and "provizorii" in text
    data = statutory.to_csv(report)
    assert data.startswith("\ufeff".encode())
    csv_text = data.decode("utf-8-sig")
    assert "petiții înregistrate în perioadă;8" in csv_text
    assert "'=HYPERLINK" in csv_text  # a formula stays text in a spreadsheet


def test_secretary_general_downloads_and_others_are_refused(app, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    with app.app_context():
        sacele = institution("pm-sacele").id
        council = institution("cj-brasov").id
    secretary = login_as("secretar")
    assert secretary.get("/rapoarte").status_code == 200
    base = f"/rapoarte/descarca?institutie={council}&an=2026"
    pdf = secretary.get(base + "&raport=petitii&perioada=S2&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    csv = secretary.get(base + "&raport=informatii-publice&format=csv")
    assert csv.status_code == 200 and "solicitări înregistrate" in csv.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "statutory_report").limit(1)
        )
    future = secretary.get(
        f"/rapoarte/descarca?institutie={council}&an=2027&raport=petitii&perioada=S1&format=pdf"
    )
    assert future.status_code == 400 and future.mimetype == "text/html"
    assert "nu a început încă" in future.get_data(as_text=True)
    assert secretary.get(base.replace("2026", "abc") + "&raport=petitii&format=csv").status_code == 400
    assert secretary.get(f"/rapoarte?institutie={sacele}").status_code == 404
    # a head of unit sees a department, not the institution; officials and citizens see nothing
    for username, expected in (
        ("sef.serviciu", 403),
        ("referent", 403),
        ("cetatean", 403),
        ("sef.sacele", 404),
    ):
        client = login_as(username)
        token = csrf_token(client, "/cont")
        answer = client.get(f"{base}&raport=petitii&perioada=S2&format=pdf&csrf_token={token}")
        assert answer.status_code == expected, username
        assert client.get(f"/rapoarte?institutie={council}").status_code == expected


def test_the_type_of_issue_chosen_at_registration_counts_the_petition_under_it(app, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    citizen = login_as("cetatean")
    assert submit_petition(citizen).status_code == 302
    clerk = login_as("registrator")
    task = task_id_for(clerk, "Înregistrare")
    page = clerk.get(f"/sarcini/{task}").get_data(as_text=True)
    assert '<option value="taxe_impozite">Taxe și impozite locale</option>' in page
    english = login_as("registrator").get(f"/sarcini/{task}?lang=en").get_data(as_text=True)
    assert "Type of issue (for the half-yearly report" in english and ">Local taxes and duties<" in english
    # a value the form does not offer: a message, nothing recorded
    refused = complete(clerk, task, {"departament": "relatii-publice", "categorie": "taxe"})
    assert refused.status_code == 400 and "Alegeți o valoare din listă." in refused.get_data(as_text=True)
    assert task_id_for(clerk, "Înregistrare") == task
    chosen = {"departament": "relatii-publice", "categorie": "taxe_impozite"}
    assert complete(clerk, task, chosen).status_code == 302
    with app.test_request_context():
        document = db.session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
        report = statutory.build(statutory.PETITIONS, document.institution, "2026", "S2", NOW)
        issues = rows(report, "4.")
        assert issues["Taxe și impozite locale"] == 1
        assert "taxe_impozite" not in issues

        # The institution's analyst renamed the category in its own copy of the form: the report shows the title of
        # the route version the petition ran on, not the shipped file's.
        version = db.session.scalar(
            select(WorkflowInstance).where(WorkflowInstance.document_id == document.id)
        ).process_version
        forms = json.loads(json.dumps(version.forms))
        for item in forms["petitie-inregistrare.json"]["properties"]["categorie"]["oneOf"]:
            if item["const"] == "taxe_impozite":
                item["title"] = "Taxe, impozite și amenzi locale"
        version.forms = forms
        db.session.flush()
        issues = rows(statutory.build(statutory.PETITIONS, document.institution, "2026", "S2", NOW), "4.")
        assert issues.get("Taxe, impozite și amenzi locale") == 1 and "Taxe și impozite locale" not in issues
