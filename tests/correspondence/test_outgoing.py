"""Addresses between institutions: outgoing at A, incoming at B with its route, both numbers linked; letters to a
person; refusals change nothing; each institution sees only its side."""

import io

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.correspondence.models import OutgoingLetter
from app.correspondence.outgoing import (
    LetterInvalid,
    LetterRefused,
    letter_lines,
    send_to_institution,
    send_to_person,
)
from app.extensions import db
from app.identity.models import Institution
from app.intake.paper import Sender, register_paper
from app.registry.catalogue import enable
from app.registry.models import Attachment, Document, DocumentStatus, DocumentType
from app.storage import FileStore
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus, WorkflowInstance
from tests.routes import user
from tests.signing.pdfs import plain_pdf
from tests.webflow import csrf_token

CONTENT = "Vă transmitem petiția privind iluminatul public de pe strada Morii, care ține de competența dumneavoastră."


def institution(code):
    return db.session.scalar(select(Institution).where(Institution.code == code))


def petition_at_council() -> Document:
    class Scan(io.BytesIO):
        filename = "petitie.pdf"

    document, _code = register_paper(
        user("registrator"),
        institution("cj-brasov"),
        db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie")),
        Sender("Vasile Pop", email="vasile@example.ro"),
        {
            "subiect": "Iluminat pe strada Morii",
            "continut": "Pe strada Morii din Săcele nu arde niciun bec de o lună.",
        },
        [_upload(plain_pdf("Petitie"), "petitie.pdf")],
    )
    db.session.flush()
    return document


def _upload(data: bytes, name: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name)


def counts():
    return tuple(
        db.session.scalar(select(func.count(m.id)))
        for m in (Document, Attachment, WorkflowInstance, HumanTask, HistoryEntry, OutgoingLetter)
    )


def test_address_is_registered_at_both_institutions_and_linked(ctx, app, pdftotext, tmp_path):
    source = petition_at_council()
    sender = user("registrator")
    letter = send_to_institution(
        source,
        institution("pm-sacele"),
        sender,
        "Transmitere petiție spre competentă soluționare",
        CONTENT,
        attachments=list(source.attachments),
    )
    db.session.commit()
    out, inc = letter.outgoing_document, letter.incoming_document
    council, sacele = institution("cj-brasov"), institution("pm-sacele")
    assert out.institution_id == council.id and out.direction == "iesire"
    assert out.registration_number == source.registration_number + 1  # the council's own sequence
    assert out.status == DocumentStatus.RESOLVED and out.recipient == sacele.name and out.deadline_at is None
    assert inc.institution_id == sacele.id and inc.direction == "intrare" and inc.channel == "institutie"
    assert inc.registration_number == 1  # Săcele numbers its own documents
    assert inc.document_type.code == "adresa" and inc.sender_name == council.name
    assert inc.sender_reference == str(out.registration_number)
    assert inc.deadline_at is not None and inc.file_code == "I-2"
    assert letter.source_document_id == source.id
    # the route started at Săcele: the sender's step done by the sender, now in Săcele's registry
    done = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.document_id == inc.id, HistoryEntry.event == "task_completed")
    )
    assert done.actor_id == sender.id and done.data["numar_expeditor"] == str(out.registration_number)
    ready = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == inc.id, HumanTask.status == TaskStatus.READY)
    ).all()
    assert ready and all(t.institution_id == sacele.id and t.role_code == "registrator" for t in ready)
    # files: the letter PDF and the petition's scan on both sides, same content
    assert [a.kind for a in out.attachments] == ["scrisoare", "depunere"]
    assert sorted(a.sha256 for a in inc.attachments) == sorted(a.sha256 for a in out.attachments)
    text = pdftotext(FileStore(app.config["STORAGE_DIR"]).get(out.attachments[0].sha256), tmp_path)
    assert f"Nr. {out.registration_label}" in text and "Primăria Municipiului Săcele" in text
    # both pages say where the other number is
    assert letter_lines(source) == [
        f"Adresa nr. {out.registration_label}: Înregistrat la Primăria Municipiului Săcele cu nr. "
        f"{inc.registration_label}."
    ]
    assert letter_lines(out) == [
        f"Înregistrat la Primăria Municipiului Săcele cu nr. {inc.registration_label}."
    ]
    assert letter_lines(inc) == [
        f"Primit de la Consiliul Județean Brașov, unde este înregistrat cu nr. {out.registration_label}."
    ]
    assert db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.document_id == source.id, HistoryEntry.event == "letter_sent")
    )
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"letter_sent", "letter_received"} <= actions


def test_refusals_change_nothing(ctx):
    source = petition_at_council()
    db.session.commit()
    before = counts()
    sacele, council = institution("pm-sacele"), institution("cj-brasov")
    # a clerk of B cannot write in A's name (nor from A's document)
    with pytest.raises(LetterRefused, match="Nu lucrați la Consiliul Județean Brașov"):
        send_to_institution(source, sacele, user("registrator.sacele"), "Subiect valid", CONTENT)
    with pytest.raises(LetterRefused, match="propriei instituții"):
        send_to_institution(source, council, user("registrator"), "Subiect valid", CONTENT)
    with pytest.raises(LetterRefused, match="Nu lucrați"):  # an automatic step without a person
        send_to_institution(source, sacele, None, "Subiect valid", CONTENT)
    with pytest.raises(LetterRefused, match="Nu lucrați"):
        send_to_institution(source, sacele, user("auditor"), "Subiect valid", CONTENT)
    with pytest.raises(LetterInvalid) as invalid:
        send_to_institution(
            source, sacele, user("registrator"), "Sub", "scurt", attachments=[("x.pdf", b"nu")]
        )
    assert set(invalid.value.errors) == {"subiect", "continut", "anexe"}
    enable(
        sacele, db.session.scalar(select(DocumentType).where(DocumentType.code == "adresa")), enabled=False
    )
    with pytest.raises(LetterRefused, match="nu primește adrese"):
        send_to_institution(source, sacele, user("registrator"), "Subiect valid", CONTENT)
    db.session.rollback()
    assert counts() == before


def test_letter_to_a_person(ctx):
    source = petition_at_council()
    letter = send_to_person(
        source,
        user("registrator"),
        "Vasile Pop",
        "Str. Morii nr. 3, Săcele",
        "Informare privind petiția",
        CONTENT,
    )
    db.session.commit()
    assert letter.incoming_document is None and letter.to_institution_id is None
    assert letter.outgoing_document.direction == "iesire"
    assert letter.outgoing_document.recipient == "Vasile Pop"
    assert letter_lines(source) == [
        f"Scrisoarea nr. {letter.outgoing_document.registration_label} expediată către Vasile Pop."
    ]
    with pytest.raises(LetterInvalid):
        send_to_person(source, user("registrator"), "", None, "Informare privind petiția", CONTENT)


def approve_and_sign(app, login_as, author, approver: str, response) -> None:
    """The draft the letter page made: approved by `approver`, then signed and sent by its author."""
    assert response.status_code == 302 and "/corespondenta/ciorne/" in response.headers["Location"]
    page = response.headers["Location"]
    head = login_as(approver)
    assert (
        head.post(page, data={"csrf_token": csrf_token(head, page), "actiune": "aproba"}).status_code == 302
    )
    sent = author.post(page, data={"csrf_token": csrf_token(author, page), "actiune": "semneaza"})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]


def test_web_flow_and_each_side_sees_only_its_documents(app, login_as):
    with app.app_context():
        source = petition_at_council()
        db.session.commit()
        public_id, sacele_id = source.public_id, institution("pm-sacele").id
    council = login_as("registrator")
    page = council.get(f"/documente/{public_id}/adresa-noua")
    assert page.status_code == 200 and "Primăria Municipiului Săcele" in page.get_data(as_text=True)
    token = csrf_token(council, f"/documente/{public_id}/adresa-noua")
    bad = council.post(
        f"/documente/{public_id}/adresa-noua",
        data={
            "csrf_token": token,
            "catre": "institutie",
            "institutie": str(sacele_id),
            "subiect": "x",
            "continut": "",
        },
    )
    assert bad.status_code == 400 and "Subiectul are între 5 și 200 de caractere." in bad.get_data(
        as_text=True
    )
    response = council.post(
        f"/documente/{public_id}/adresa-noua",
        data={
            "csrf_token": token,
            "catre": "institutie",
            "institutie": str(sacele_id),
            "subiect": "Transmitere petiție spre competentă soluționare",
            "continut": CONTENT,
            "include_fisiere": "1",
        },
    )
    approve_and_sign(app, login_as, council, "secretar", response)
    with app.app_context():
        letter = db.session.scalar(select(OutgoingLetter))
        out_id, in_id = letter.outgoing_document.public_id, letter.incoming_document.public_id
        out_label, in_label = (
            letter.outgoing_document.registration_label,
            letter.incoming_document.registration_label,
        )
    html = council.get(f"/documente/{public_id}/corespondenta").get_data(as_text=True)
    assert f"Înregistrat la Primăria Municipiului Săcele cu nr. {in_label}" in html
    town = login_as("registrator.sacele")
    html = town.get(f"/documente/{in_id}/corespondenta").get_data(as_text=True)
    assert f"Primit de la Consiliul Județean Brașov, unde este înregistrat cu nr. {out_label}" in html
    assert in_id in town.get("/documente/").get_data(as_text=True)
    # Săcele's staff see the incoming address only; the council's petition and outgoing copy stay hidden
    for other in (public_id, out_id):
        assert town.get(f"/documente/{other}").status_code == 404
        assert town.get(f"/documente/{other}/corespondenta").status_code == 404
        assert town.get(f"/documente/{other}/adresa-noua").status_code == 404
    assert council.get(f"/documente/{in_id}").status_code == 404
    citizen = login_as("cetatean")
    assert citizen.get(f"/documente/{public_id}/adresa-noua").status_code == 404
    assert login_as("auditor").get(f"/documente/{public_id}/adresa-noua").status_code == 403


def test_letter_without_a_source_document(app, login_as):
    with app.app_context():
        council_id, sacele_id = institution("cj-brasov").id, institution("pm-sacele").id
    town = login_as("registrator.sacele")
    page = "/registratura/adresa-noua"
    assert town.get(page).status_code == 200
    token = csrf_token(town, page)
    fields = {
        "csrf_token": token,
        "catre": "institutie",
        "subiect": "Solicitare date privind drumurile județene",
    }
    fields.update({"continut": CONTENT, "institutie": str(council_id)})
    # writing in the council's name is refused and changes nothing
    assert town.post(page, data={**fields, "expeditor": str(council_id)}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(OutgoingLetter.id))) == 0
    response = town.post(page, data={**fields, "expeditor": str(sacele_id)})
    approve_and_sign(app, login_as, town, "sef.sacele", response)
    with app.app_context():
        letter = db.session.scalar(select(OutgoingLetter))
        assert letter.source_document_id is None
        assert letter.outgoing_document.institution_id == sacele_id
        assert letter.incoming_document.institution_id == council_id
        assert letter.incoming_document.sender_name == "Primăria Municipiului Săcele"
    assert login_as("cetatean").get(page).status_code == 403
    assert login_as("auditor").get(page).status_code == 403
