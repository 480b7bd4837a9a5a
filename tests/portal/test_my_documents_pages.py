"""My documents a page at a time: newest first, 25 a page, the answer marked where there is one, and a fixed number
of SQL statements whatever the number of documents."""

from datetime import timedelta

from sqlalchemy import event, select

from app.dates import now_utc
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import Attachment, Document, DocumentType
from tests.routes import user


def add_documents(app, count: int) -> None:
    with app.app_context():
        citizen = user("cetatean")
        institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        petition = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
        start = now_utc() - timedelta(days=count)
        documents = [
            Document(
                institution_id=institution.id,
                document_type_id=petition.id,
                submitter_id=citizen.id,
                sender_name=citizen.full_name,
                subject=f"Cererea numărul {i:02d}",
                created_at=start + timedelta(days=i),
            )
            for i in range(count)
        ]
        db.session.add_all(documents)
        db.session.flush()
        db.session.add(
            Attachment(
                document_id=documents[-1].id,
                kind=Attachment.ANSWER,
                filename="raspuns.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
            )
        )
        db.session.commit()


def test_my_documents_come_25_a_page_newest_first(app, login_as):
    add_documents(app, 30)
    client = login_as("cetatean")

    first = client.get("/documentele-mele").get_data(as_text=True)
    assert "Cererea numărul 29" in first and "Cererea numărul 05" in first
    assert "Cererea numărul 04" not in first
    assert first.index("Cererea numărul 29") < first.index("Cererea numărul 28")
    assert first.count("Răspunsul este disponibil.") == 1  # only the newest has an answer
    assert "1 / 2" in first

    second = client.get("/documentele-mele?pagina=2").get_data(as_text=True)
    assert "Cererea numărul 04" in second and "Cererea numărul 00" in second
    assert "Cererea numărul 05" not in second
    assert "Răspunsul este disponibil." not in second
    # Past the end: the last page; nonsense: the first.
    assert "Cererea numărul 00" in client.get("/documentele-mele?pagina=9").get_data(as_text=True)
    assert "Cererea numărul 29" in client.get("/documentele-mele?pagina=abc").get_data(as_text=True)


def test_my_documents_page_reads_a_fixed_number_of_statements(app, login_as):
    client = login_as("cetatean")
    counts = []
    for more in (3, 27):
        add_documents(app, more)
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

            def capture(conn, cursor, statement, *args):
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", capture)
            try:
                assert client.get("/documentele-mele").status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", capture)
        counts.append(len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]))
    assert counts[0] == counts[1], counts
