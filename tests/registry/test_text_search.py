"""The register searched as clerks type: without diacritics or case, names in any order, pieces of words, on
PostgreSQL (unaccent + trigram indexes) and on the SQLite demo; bad input gets a message; the CSV export fills the
annex count and shows direction labels."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select, text

from app.extensions import db
from app.registry import text_search
from app.registry.models import Attachment, Document
from tests.registry.factory import registered

BUCHAREST = ZoneInfo("Europe/Bucharest")


def seed(app) -> None:
    with app.app_context():
        when = datetime(2026, 11, 20, 9, tzinfo=BUCHAREST)
        registered(when=when, subject="Groapă în asfalt pe strada Lungă", sender_name="Ion Țăranu")
        registered(when=when, subject="Iluminat public defect", sender_name="Ion Popescu")
        letter = registered(
            when=when,
            subject="Răspuns către Ministerul Dezvoltării",
            sender_name="Consiliul Județean",
            direction="iesire",
            recipient="Ministerul Dezvoltării",
        )
        db.session.add_all(
            Attachment(
                document_id=letter.id,
                kind=Attachment.SUBMISSION,
                filename=f"anexa{i}.pdf",
                content_type="application/pdf",
                size=10,
                sha256=f"{i:064d}",
            )
            for i in range(2)
        )
        db.session.commit()


def subjects(client, **params) -> list[str]:
    html = client.get("/registratura/", query_string=params).get_data(as_text=True)
    return [
        s for s in ("Groapă în asfalt", "Iluminat public defect", "Răspuns către Ministerul") if s in html
    ]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"subiect": "groapa"}, ["Groapă în asfalt"]),
        ({"subiect": "GROAPĂ asfalt"}, ["Groapă în asfalt"]),
        ({"subiect": "strada groapa"}, ["Groapă în asfalt"]),  # words in any order
        ({"subiect": "ilumin"}, ["Iluminat public defect"]),  # a piece of a word
        ({"expeditor": "popescu ion"}, ["Iluminat public defect"]),
        ({"expeditor": "taranu"}, ["Groapă în asfalt"]),
        ({"expeditor": "ion"}, ["Groapă în asfalt", "Iluminat public defect"]),
        (
            {"expeditor": "ministerul dezvoltarii"},
            ["Răspuns către Ministerul"],
        ),  # the recipient of an outgoing one
        ({"subiect": "nimic asemanator"}, []),
    ],
)
def test_clerks_find_entries_as_they_type(app, login_as, params, found):
    seed(app)
    assert subjects(login_as("registrator"), de_la="2026-11-20", **params) == found


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"numar": "abc"}, "Numărul „abc” nu este valid"),
        ({"expeditor": "x" * 10_000}, "cel mult 200 de caractere"),
        ({"subiect": "groapă\x07"}, "caractere nepermise"),
    ],
)
def test_bad_search_input_gets_a_message(app, login_as, params, message):
    seed(app)
    response = login_as("registrator").get("/registratura/", query_string=params)
    assert response.status_code in (200, 400)
    assert message in response.get_data(as_text=True)


def test_csv_export_fills_annex_count_and_direction_labels(app, login_as):
    seed(app)
    body = (
        login_as("registrator")
        .get("/registratura/export.csv?de_la=2026-11-20")
        .get_data()
        .decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    by_subject = {r[9]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    outgoing = by_subject["Răspuns către Ministerul Dezvoltării"]
    assert outgoing["Nr. anexe"] == "2" and outgoing["Direcție"] == "ieșire"
    incoming = by_subject["Groapă în asfalt pe strada Lungă"]
    assert incoming["Nr. anexe"] == "0" and incoming["Direcție"] == "intrare"
    assert not {r["Direcție"] for r in by_subject.values()} & {"iesire"}  # never the stored code


def test_postgresql_answers_from_the_trigram_index(app):
    """One trigram index over the folded text (migration 0020) replaced the three expression indexes of 0013."""
    with app.app_context():
        names = set(
            db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'documents'"))
        )
        assert "ix_documents_search_text_trgm" in names
        assert (
            not {
                "ix_documents_subject_trgm",
                "ix_documents_sender_name_trgm",
                "ix_documents_recipient_trgm",
            }
            & names
        )
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        search = text_search.in_fields("groapa taranu", Document.search_text, text_search.SUBJECT)
        query = select(Document.id).where(search).compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {query}")))
        db.session.rollback()
        assert "ix_documents_search_text_trgm" in plan
        assert (
            db.session.scalar(text("SELECT f_unaccent(lower('Groapă ȘTIRBEI Ţăranu'))"))
            == "groapa stirbei taranu"
        )


def test_sqlite_demo_uses_the_same_query_with_a_python_function():
    engine = create_engine("sqlite://")
    text_search.install_sqlite(engine)
    table = Table("docs", MetaData(), Column("id", Integer, primary_key=True), Column("subject", String))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"subject": "Groapă în asfalt"}, {"subject": "Iluminat ȘTIRBEI"}])

        def found(query):
            return list(
                conn.scalars(select(table.c.subject).where(text_search.matches(query, table.c.subject)))
            )

        assert found("groapa") == ["Groapă în asfalt"]
        assert found("stirbei ilumin") == ["Iluminat ȘTIRBEI"]
        assert found("ASFALT groapă") == ["Groapă în asfalt"]
        assert found("nimic") == []
