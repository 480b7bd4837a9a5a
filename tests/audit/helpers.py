"""Shared steps for the audit tests: a completed petition with a return-for-changes loop."""

from sqlalchemy import select, text

from app.extensions import db
from app.workflow.models import HumanTask, TaskStatus
from tests.routes import do, submit_petition

FIRST_DRAFT = "Prima variantă a răspunsului, prea scurtă dar validă."
FINAL = "Echipa de întreținere va astupa groapa până la 30.11.2026. Mulțumim, ș ț ă î â."


def petition_with_loop(finish: bool = True):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    do(document, "redactare", "referent", {"raspuns": FIRST_DRAFT})
    do(
        document,
        "aprobare",
        "sef.serviciu",
        {"decizie": "returneaza", "observatii_sef": "Precizați termenul."},
    )
    do(document, "redactare", "referent", {"raspuns": FINAL})
    if finish:
        do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        finish_route(document)
    return document


def finish_route(document):
    """After the approval: the signing steps where the route has them (the signing package's petition)."""
    if ready_task(document, "semnare_referent") is not None:
        from tests.routes import sign_both

        sign_both(document)


def ready_task(document, bpmn_id: str) -> HumanTask:
    return db.session.scalar(
        select(HumanTask).where(
            HumanTask.document_id == document.id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )


def as_superuser(statement: str, table: str, **params) -> None:
    """Change a protected table the way a database superuser could: trigger off, change, trigger on."""
    db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    db.session.execute(text(statement), params)
    db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    db.session.commit()
