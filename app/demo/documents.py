"""Demo documents: petitions that already went the whole route (submitted online, registered, answered, signed by
the official and the head, archived), so that a first look at the portal, the register, the audit pages and the
archive finds real content. Run by `flask demo load` (not by the tests' per-test demo data: signing and archiving
take about a second per petition)."""

from sqlalchemy import select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.identity.models import Institution, User
from app.intake.submission import register_on_submission, submit
from app.registry.models import Document, DocumentType
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import complete_task

PETITIONS = [
    (
        "Iluminat public defect pe strada Lungă",
        "De o săptămână nu funcționează niciun stâlp de iluminat între numerele 10 și 40.",
        "Echipa de întreținere a înlocuit lămpile defecte pe 18.11.2026. Vă mulțumim pentru sesizare.",
    ),
    (
        "Groapă periculoasă în fața blocului 7",
        "În fața blocului 7 de pe strada Mureșenilor s-a format o groapă adâncă în carosabil.",
        "Groapa a fost astupată pe 19.11.2026, iar zona va fi reasfaltată în primăvară.",
    ),
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _do(document: Document, bpmn_id: str, username: str, data: dict | None = None) -> None:
    task = db.session.scalar(
        select(HumanTask).where(
            HumanTask.document_id == document.id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )
    if data is None:
        sign_task(task.id, _user(username))
    else:
        complete_task(task.id, _user(username), data)
    db.session.commit()


def walk_demo_petitions() -> int:
    """Idempotent: only when the council has no documents yet. Returns how many petitions were answered."""
    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    if db.session.scalar(select(Document.id).where(Document.institution_id == institution.id).limit(1)):
        return 0
    petition = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    citizen = _user("cetatean")
    for subject, content, answer in PETITIONS:
        document = submit(citizen, institution, petition, {"subiect": subject, "continut": content}, {})
        register_on_submission(document, citizen)
        db.session.commit()
        _do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        _do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        _do(document, "redactare", "referent", {"raspuns": answer})
        _do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        _do(document, "semnare_referent", "referent")
        _do(document, "semnare_sef", "sef.serviciu")
    from app.archive.records import archive_pending

    archive_pending()
    return len(PETITIONS)
