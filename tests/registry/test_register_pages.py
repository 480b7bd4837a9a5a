"""The register pages under /registratura: search, paging, CSV export, annulment and linking forms, frozen days;
who sees what (staff of one institution never see another's entries; a department sees its own)."""

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.entries import annul, link
from app.registry.freeze import freeze_day
from app.registry.models import Document, DocumentAnnulment
from tests.registry.factory import (
    department,
    departmental_register,
    home,
    other_institution,
    registered,
    snapshot,
)
from tests.routes import user
from tests.webflow import csrf_token

pytestmark = pytest.mark.date_sensitive

BUCHAREST = ZoneInfo("Europe/Bucharest")


@pytest.fixture(autouse=True)
def on_21_november(time_machine):
    """The entries are dated 18 to 21 November 2026: the pages are looked at on 21 November, whatever today is."""
    time_machine.move_to(datetime(2026, 11, 21, 12, tzinfo=BUCHAREST), tick=True)


def numbers_on(html: str) -> list[str]:
    return re.findall(r'<td class="doc-number">(?:<s>)?([0-9]+/[0-9.]+)', html)


def seed(app):
    """Five entries of the county council in two departments and two registers, one annulled; one of Râșnov."""
    with app.app_context():
        urbanism = departmental_register("urbanism")
        public = department("relatii-publice")
        registered(
            when=datetime(2026, 11, 18, 9, tzinfo=BUCHAREST),
            sender_name="Ion Țăranu",
            subject="Autorizație de construire",
            department_id=urbanism.department_id,
            into=urbanism,
        )
        registered(
            when=datetime(2026, 11, 19, 9, tzinfo=BUCHAREST),
            sender_name="Ana Popescu",
            subject="Iluminat public",
            department_id=public.id,
        )
        registered(
            when=datetime(2026, 11, 20, 9, tzinfo=BUCHAREST),
            sender_name='=HYPERLINK("http://x")',
            subject="Groapă în asfalt",
            department_id=public.id,
        )
        wrong = registered(
            when=datetime(2026, 11, 20, 10, tzinfo=BUCHAREST),
            sender_name="Ana Popescu",
            subject="Dublură",
            department_id=public.id,
        )
        annul(wrong, "Înregistrat de două ori", user("registrator"))
        registered(
            sender_name="SC Construct SRL",
            subject="Adresă privind avizul",
            direction="iesire",
            department_id=urbanism.department_id,
            into=urbanism,
        )
        rasnov, _clerk = other_institution()
        registered(rasnov, sender_name="Ion Țăranu", subject="Secret al Râșnovului")
        db.session.commit()
        db.session.remove()


def test_register_needs_staff_with_a_document_role(app, client, login_as):
    assert client.get("/registratura/").status_code == 302  # to the login page
    assert login_as("cetatean").get("/registratura/").status_code == 403
    assert login_as("admin").get("/registratura/export.csv").status_code == 403


def test_search_by_each_criterion(app, login_as):
    seed(app)
    clerk = login_as("registrator")
    html = clerk.get("/registratura/").get_data(as_text=True)
    assert numbers_on(html) == [
        "5/21.11.2026",
        "4/20.11.2026",
        "3/20.11.2026",
        "2/19.11.2026",
        "1/18.11.2026",
    ]
    assert "Secret al Râșnovului" not in html
    assert "Înregistrat de două ori" in html and "<s>4/20.11.2026</s>" in html  # the annulment stays visible

    with app.app_context():
        urbanism_id = department("urbanism").id
        register_id = db.session.scalar(select(Document.register_id).where(Document.registration_number == 1))
    searches = {
        "numar=2": ["2/19.11.2026"],
        "numar=2/2026": ["2/19.11.2026"],
        "numar=3/20.11.2026": ["3/20.11.2026"],
        "de_la=2026-11-19&pana_la=2026-11-20": ["4/20.11.2026", "3/20.11.2026", "2/19.11.2026"],
        "de_la=20.11.2026": ["5/21.11.2026", "4/20.11.2026", "3/20.11.2026"],
        "expeditor=popescu": ["4/20.11.2026", "2/19.11.2026"],
        "subiect=GROAPĂ": ["3/20.11.2026"],
        "stare=anulat": ["4/20.11.2026"],
        f"compartiment={urbanism_id}": ["5/21.11.2026", "1/18.11.2026"],
        f"registru={register_id}": ["5/21.11.2026", "1/18.11.2026"],
        "directie=iesire": ["5/21.11.2026"],
        "subiect=%25": [],  # LIKE wildcards are searched literally
    }
    for query, expected in searches.items():
        assert numbers_on(clerk.get(f"/registratura/?{query}").get_data(as_text=True)) == expected, query


def test_bad_search_input_is_named_and_ignored(app, login_as):
    seed(app)
    html = login_as("registrator").get("/registratura/?numar=abc&de_la=31.02.2026").get_data(as_text=True)
    assert "Numărul „abc” nu este valid" in html and "data „31.02.2026” nu este validă" in html
    assert len(numbers_on(html)) == 5
    html = (
        login_as("registrator")
        .get("/registratura/?de_la=2026-11-21&pana_la=2026-11-01")
        .get_data(as_text=True)
    )
    assert "Intervalul de date este inversat" in html


def test_paging(app, login_as):
    with app.app_context():
        for _ in range(55):
            registered()
        db.session.commit()
    clerk = login_as("registrator")
    first = clerk.get("/registratura/?expeditor=Ana").get_data(as_text=True)
    assert len(numbers_on(first)) == 50 and "Pagina 1 din 2" in first
    assert "pagina=2" in first and "expeditor=Ana" in first
    second = clerk.get("/registratura/?expeditor=Ana&pagina=2").get_data(as_text=True)
    assert [n.split("/")[0] for n in numbers_on(second)] == ["5", "4", "3", "2", "1"]


def test_csv_export_for_romanian_excel(app, login_as):
    seed(app)
    response = login_as("registrator").get("/registratura/export.csv?de_la=2026-11-19")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens the diacritics right
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Nr. înregistrare", "Data înregistrării", "Registru", "Direcție"]
    assert [r[0] for r in rows[1:]] == ["5/2026", "4/2026", "3/2026", "2/2026"]
    by_number = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_number["3/2026"]["Expeditor"] == '\'=HYPERLINK("http://x")'  # never a formula
    assert by_number["4/2026"]["Anulare"].endswith("Ioana Marinescu: Înregistrat de două ori")
    assert by_number["5/2026"]["Direcție"] == "ieșire"
    assert (by_number["4/2026"]["Stare"], by_number["2/2026"]["Stare"]) == ("Anulat", "Înregistrat")
    assert by_number["2/2026"]["Compartiment"] == "Serviciul Relații cu Publicul"
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "registry_export"))
            == 1
        )


def test_staff_of_another_institution_never_see_these_entries(app, login_as):
    seed(app)
    other = login_as("registrator.rasnov-test")
    html = other.get("/registratura/").get_data(as_text=True)
    assert numbers_on(html) == ["1/21.11.2026"] and "Secret al Râșnovului" in html
    assert "Iluminat public" not in html
    csv_text = other.get("/registratura/export.csv").get_data(as_text=True)
    assert "Iluminat public" not in csv_text and "Secret al Râșnovului" in csv_text
    with app.app_context():
        ours = db.session.scalar(select(Document.public_id).where(Document.subject == "Iluminat public"))
    assert other.get(f"/documente/{ours}").status_code == 404
    before = _snapshot(app)
    token = csrf_token(other, "/registratura/")
    response = other.post(f"/registratura/{ours}/anulare", data={"csrf_token": token, "motiv": "Nu e al meu"})
    assert response.status_code == 404
    assert _snapshot(app) == before


def test_a_department_sees_its_own_entries(app, login_as):
    seed(app)
    head = login_as("sef.serviciu")  # head of public relations only
    html = head.get("/registratura/").get_data(as_text=True)
    assert numbers_on(html) == ["4/20.11.2026", "3/20.11.2026", "2/19.11.2026"]
    assert "Autorizație de construire" not in html


def _snapshot(app):
    with app.app_context():
        result = snapshot()
        db.session.remove()
    return result


def _entry(app, number: int) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Document.public_id).where(
                Document.institution_id == home().id, Document.registration_number == number
            )
        )


def test_annul_form(app, login_as):
    seed(app)
    public_id = _entry(app, 2)
    clerk = login_as("registrator")
    page = clerk.get(f"/documente/{public_id}").get_data(as_text=True)
    assert "Anularea înregistrării" in page
    token = csrf_token(clerk, f"/documente/{public_id}")

    before = _snapshot(app)
    response = clerk.post(f"/registratura/{public_id}/anulare", data={"csrf_token": token, "motiv": " "})
    assert response.status_code == 302
    assert "Scrieți motivul anulării" in clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert _snapshot(app) == before
    assert clerk.post(f"/registratura/{public_id}/anulare", data={"motiv": "Fără token"}).status_code == 400

    confirm = clerk.post(
        f"/registratura/{public_id}/anulare", data={"csrf_token": token, "motiv": "Expeditor greșit"}
    )
    assert confirm.status_code == 200 and "Confirm anularea" in confirm.get_data(as_text=True)
    assert _snapshot(app) == before  # asked, nothing annulled yet
    response = clerk.post(
        f"/registratura/{public_id}/anulare",
        data={"csrf_token": token, "motiv": "Expeditor greșit", "confirmare": "da"},
    )
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Înregistrarea nr. 2/19.11.2026 a fost anulată." in page
    assert "Înregistrare anulată" in page and "Expeditor greșit" in page and "Ioana Marinescu" in page
    assert "Anularea înregistrării" not in page  # no second annulment offered

    before = _snapshot(app)
    response = clerk.post(
        f"/registratura/{public_id}/anulare", data={"csrf_token": token, "motiv": "Din nou"}
    )
    assert "a fost deja anulată" in clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert _snapshot(app) == before


def test_official_cannot_annul(app, login_as):
    seed(app)
    public_id = _entry(app, 2)
    official = login_as("referent")
    page = official.get(f"/documente/{public_id}").get_data(as_text=True)
    assert "Anularea înregistrării" not in page
    before = _snapshot(app)
    token = csrf_token(official, f"/documente/{public_id}")
    response = official.post(
        f"/registratura/{public_id}/anulare", data={"csrf_token": token, "motiv": "Vreau eu"}
    )
    assert "Doar registratorul sau secretarul general" in official.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert _snapshot(app) == before


def test_link_form_and_links_shown_on_both_pages(app, login_as):
    seed(app)
    first, later = _entry(app, 2), _entry(app, 3)
    clerk = login_as("registrator")
    token = csrf_token(clerk, f"/documente/{later}")
    before = _snapshot(app)
    response = clerk.post(f"/registratura/{later}/conexare", data={"csrf_token": token, "numar": "999/2026"})
    assert "Nu există în registru documentul nr. „999/2026”" in clerk.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert _snapshot(app) == before
    response = clerk.post(f"/registratura/{later}/conexare", data={"csrf_token": token, "numar": "2/2026"})
    assert "Documentul a fost conexat la nr. 2/19.11.2026." in clerk.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    later_page = clerk.get(f"/documente/{later}").get_data(as_text=True)
    assert "Conexat la" in later_page and f"/documente/{first}" in later_page
    first_page = clerk.get(f"/documente/{first}").get_data(as_text=True)
    assert "Documente conexate" in first_page and "nr. 3/20.11.2026" in first_page


def test_frozen_days_are_listed_and_downloadable_by_the_whole_institution_only(app, login_as):
    with time_machine.travel(datetime(2026, 11, 21, 9, tzinfo=BUCHAREST), tick=False):
        seed(app)
        with app.app_context():
            freeze_day(home(), date(2026, 11, 20))
            db.session.commit()
            db.session.remove()
    clerk = login_as("registrator")
    html = clerk.get("/registratura/").get_data(as_text=True)
    assert "Registre zilnice închise" in html and "/registratura/cj-brasov/zile/2026-11-20.pdf" in html
    response = clerk.get("/registratura/cj-brasov/zile/2026-11-20.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    assert clerk.get("/registratura/cj-brasov/zile/2026-11-19.pdf").status_code == 404
    assert login_as("sef.serviciu").get("/registratura/cj-brasov/zile/2026-11-20.pdf").status_code == 404
    assert (
        login_as("registrator.rasnov-test").get("/registratura/cj-brasov/zile/2026-11-20.pdf").status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(DocumentAnnulment.id))) == 1


def test_link_helper_keeps_pages_consistent(app, login_as):
    """Linking done outside the form (e.g. by the intake desk) shows the same way."""
    seed(app)
    with app.app_context():
        first = db.session.scalar(
            select(Document).where(Document.registration_number == 1, Document.institution_id == home().id)
        )
        fifth = db.session.scalar(
            select(Document).where(Document.registration_number == 5, Document.institution_id == home().id)
        )
        link(fifth, first, user("registrator"))
        db.session.commit()
        first_id = first.public_id
        db.session.remove()
    page = login_as("secretar").get(f"/documente/{first_id}").get_data(as_text=True)
    assert "nr. 5/21.11.2026" in page


def test_completion_form(app, login_as):
    seed(app)
    public_id = _entry(app, 2)
    clerk = login_as("registrator")
    token = csrf_token(clerk, f"/documente/{public_id}")
    before = _snapshot(app)
    response = clerk.post(
        f"/registratura/{public_id}/completare", data={"csrf_token": token, "file": "-1", "dosar": "II-3"}
    )
    assert _snapshot(app) == before
    assert "Număr de file: scrieți un număr întreg" in clerk.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = clerk.post(
        f"/registratura/{public_id}/completare",
        data={"csrf_token": token, "file": "4", "anexe": "2", "dosar": "II-3", "nr_expeditor": "77"},
    )
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Datele din registru au fost completate." in page
    assert "4 / 2" in page and "II-3" in page
    csv_text = clerk.get("/registratura/export.csv?numar=2").get_data().decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(csv_text), delimiter=";"))[1]
    assert row[4] == "77" and row[6:8] == ["4", "2"] and row[15] == "II-3"
