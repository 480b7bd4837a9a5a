"""documents.search_text: the subject, sender and recipient folded once (app/registry/text_search.py). It follows
the fields it folds wherever they are written, keeps them apart (a sender's name is not found as a subject), is
filled for older documents by migration 0020 exactly as the application writes it, and works on the SQLite demo."""

import secrets
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, select, text

from app.extensions import db
from app.registry import text_search
from app.registry.entries import record_dispatch
from app.registry.models import Document
from tests.registry.factory import new_document, registered


def stored(document: Document) -> str:
    return db.session.scalar(select(Document.search_text).where(Document.id == document.id))


def found(words: str, first: int, last: int | None = None) -> set[int]:
    condition = text_search.in_fields(words, Document.search_text, first, last)
    return set(db.session.scalars(select(Document.id).where(condition)))


def test_a_draft_keeps_its_folded_text_in_step_with_its_fields(ctx):
    draft = new_document(subject="Iluminat public", sender_name="Ana Popescu")
    assert stored(draft) == "iluminat public\nana popescu\n"
    draft.subject = "Groapă în TROTUAR"  # before registration a draft may still change
    draft.sender_name = "Ștefan Mureșan"
    db.session.flush()
    assert stored(draft) == "groapa in trotuar\nstefan muresan\n"
    assert draft.id in found("trotuar groapa", text_search.SUBJECT)
    assert draft.id not in found("iluminat", text_search.SUBJECT)
    assert draft.id in found("muresan", text_search.SENDER)
    assert draft.id not in found("popescu", text_search.SENDER)

    draft.content = "Alt conținut"  # a change to another column leaves it as it is
    db.session.flush()
    assert stored(draft) == "groapa in trotuar\nstefan muresan\n"


def test_the_recipient_recorded_at_dispatch_is_searchable(ctx):
    document = registered(subject="Răspuns", sender_name="Consiliul Județean")
    db.session.commit()
    document = db.session.get(
        Document, document.id
    )  # fresh, its fields not loaded: the event loads what it needs
    assert record_dispatch(document, recipient="Ministerul Dezvoltării")
    db.session.commit()
    assert stored(document) == "raspuns\nconsiliul judetean\nministerul dezvoltarii"
    assert document.id in found("ministerul dezvoltarii", text_search.SENDER, text_search.RECIPIENT)


def test_each_search_looks_only_in_its_fields(ctx):
    document = new_document(
        subject="Cerere Popescu\nal doilea rând", sender_name="Ion Ionescu", recipient="Primăria Săcele"
    )
    assert stored(document) == "cerere popescu al doilea rand\nion ionescu\nprimaria sacele"
    subject, sender, recipient = text_search.SUBJECT, text_search.SENDER, text_search.RECIPIENT
    assert document.id in found("popescu rand", subject)  # a newline typed in the subject is a space
    assert document.id not in found("popescu", sender, recipient)  # the register's sender filter
    assert document.id not in found("ionescu", subject)  # the register's subject filter
    assert document.id in found("ionescu cerere", subject, sender)  # the inbox: each word in either
    assert document.id not in found("sacele", subject, sender)  # ... never in the recipient
    assert document.id in found("sacele", sender, recipient)
    assert document.id in found("ionescu sacele", sender, recipient)
    assert document.id not in found("ion%", sender)  # LIKE's wildcards are typed text


@pytest.mark.parametrize(
    ("params", "found_subject"),
    [
        ({"expeditor": "groapa"}, False),  # a word of the subject is not a sender
        ({"subiect": "taranu"}, False),  # nor a sender a subject
        ({"subiect": "groapa", "expeditor": "taranu"}, True),
    ],
)
def test_the_register_keeps_subject_and_sender_apart(app, login_as, params, found_subject):
    with app.app_context():
        registered(subject="Groapă în asfalt pe strada Lungă", sender_name="Ion Țăranu")
        db.session.commit()
    html = login_as("registrator").get("/registratura/", query_string=params).get_data(as_text=True)
    assert ("Groapă în asfalt" in html) is found_subject


@contextmanager
def own_app(url: str, tmp_path):
    """An application of its own on `url` (not the tests' shared database): for running the migrations."""
    from app import create_app

    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "STORAGE_DIR": str(tmp_path / "storage"),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "RATELIMIT_ENABLED": False,
            "SCHEDULER_ENABLED": False,
            "SIGNING_TEST_PKI": True,
        }
    )
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


def _migrate_back_and_forth() -> None:
    """Documents written by the application, their search_text dropped (downgrade to 0019) and filled again by
    migration 0020: the same text, and the searches find them."""
    from flask_migrate import downgrade, upgrade

    from app.identity.models import User
    from app.inbox.queries import inbox_page
    from app.registry.search import parse_filter, register_query

    written = dict(db.session.execute(select(Document.id, Document.search_text)).all())
    assert any("groapa" in value for value in written.values()), written
    db.session.remove()
    downgrade(revision="0019")
    upgrade()
    assert dict(db.session.execute(select(Document.id, Document.search_text)).all()) == written

    clerk = db.session.scalar(select(User).where(User.username == "registrator"))
    entries = db.session.scalars(register_query(clerk, parse_filter({"subiect": "groapa"}))).all()
    assert [d.subject for d in entries] == ["Groapă în TROTUAR", "Groapă periculoasă în fața blocului 7"]
    assert not db.session.scalars(register_query(clerk, parse_filter({"expeditor": "groapa"}))).all()
    assert [t.document.subject for t in inbox_page(clerk.id, query="trotuar groapa").tasks] == [
        "Groapă în TROTUAR"
    ]
    assert [t.document.subject for t in inbox_page(clerk.id, query="popescu groapa").tasks] == [
        "Groapă în TROTUAR"
    ]
    assert not inbox_page(clerk.id, query="groapa blocului").tasks  # that one is answered and closed


def _demo_database() -> None:
    """What `make run` does (migrate, load the demo, walk its petitions), and one petition left at registration."""
    from flask_migrate import upgrade

    from app.demo.data import load_demo
    from app.demo.documents import walk_demo_petitions
    from app.identity.models import Institution, User
    from app.intake.submission import register_on_submission, submit
    from app.registry.models import DocumentType

    upgrade()
    load_demo()
    db.session.commit()
    assert walk_demo_petitions()
    citizen = db.session.scalar(select(User).where(User.username == "cetatean"))
    council = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    petition = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    document = submit(
        citizen,
        council,
        petition,
        {"subiect": "Groapă în TROTUAR", "continut": "Vă rog să o astupați cât mai repede."},
        {},
    )
    register_on_submission(document, citizen)
    db.session.commit()


def test_sqlite_demo_finds_groapa_and_the_migration_fills_its_documents(tmp_path):
    with own_app(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path):
        _demo_database()
        _migrate_back_and_forth()


def test_postgresql_migration_fills_older_documents(database_url, tmp_path):
    admin_url = make_url(database_url)
    name = f"registratura_search_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with own_app(admin_url.set(database=name).render_as_string(hide_password=False), tmp_path):
            _demo_database()
            _migrate_back_and_forth()
            assert {"ix_documents_search_text_trgm"} == set(
                db.session.scalars(
                    text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_documents_%trgm'")
                )
            )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
