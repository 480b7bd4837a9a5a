"""Outgoing letters leave signed (PAdES by the official) and e-sealed by the institution; the recipient institution
validates the letter on arrival and keeps the report; without a key nothing leaves."""

import pytest
from sqlalchemy import func, select, update

from app.correspondence.models import OutgoingLetter
from app.correspondence.outgoing import LetterRefused, send_to_institution, send_to_person
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import Attachment, Document
from app.signing.models import SignatureReport, SigningCredential
from app.storage import current_store
from app.workflow.models import HistoryEntry
from tests.routes import user
from tests.signing.helpers import pdfsig, pyhanko_statuses

CONTENT = "Vă rugăm să ne comunicați programul lucrărilor de iluminat public de pe strada Morii din Săcele."


def institution(code):
    return db.session.scalar(select(Institution).where(Institution.code == code))


def letter_file(document: Document) -> Attachment:
    return db.session.scalar(
        select(Attachment).where(Attachment.document_id == document.id).order_by(Attachment.id).limit(1)
    )


def test_the_letter_to_sacele_arrives_signed_sealed_and_validated(ctx, tmp_path):
    letter = send_to_institution(
        None,
        institution("pm-sacele"),
        user("sef.serviciu"),
        "Program lucrări iluminat",
        CONTENT,
        from_institution=institution("cj-brasov"),
    )
    db.session.commit()
    outgoing = db.session.get(Document, letter.outgoing_document_id)
    incoming = db.session.get(Document, letter.incoming_document_id)
    sent, received = letter_file(outgoing), letter_file(incoming)
    assert sent.sha256 == received.sha256  # the same signed bytes at both ends
    data = current_store().get(sent.sha256)

    found = pdfsig(data, tmp_path)
    assert found.count("Signature is Valid.") == 2
    assert "Mihai Ionescu" in found
    names = [s.signing_cert.subject.native["common_name"] for _, s in pyhanko_statuses(data)]
    assert (
        names[0] == "Mihai Ionescu" and len(names) == 2
    )  # the official first, then the institution's e-seal
    assert all(s.bottom_line for _, s in pyhanko_statuses(data))

    reports = {
        r.direction: r
        for r in db.session.scalars(select(SignatureReport).where(SignatureReport.sha256 == sent.sha256))
    }
    assert reports["iesire"].document_id == outgoing.id and reports["iesire"].status == "valid"
    assert reports["intrare"].document_id == incoming.id and reports["intrare"].status == "valid"
    checked = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.document_id == incoming.id, HistoryEntry.event == "signature_checked"
        )
    )
    assert "semnături valide" in checked.message


def test_a_letter_to_a_person_is_signed_too(ctx, tmp_path):
    letter = send_to_person(
        None,
        user("referent"),
        "Vasile Pop",
        "Str. Morii 3, Săcele",
        "Informare lucrări",
        CONTENT,
        from_institution=institution("cj-brasov"),
    )
    db.session.commit()
    data = current_store().get(letter_file(db.session.get(Document, letter.outgoing_document_id)).sha256)
    assert pdfsig(data, tmp_path).count("Signature is Valid.") == 2


@pytest.mark.parametrize("missing", ["official", "seal"])
def test_without_a_key_nothing_leaves(ctx, missing):
    council = institution("cj-brasov")
    condition = (
        SigningCredential.user_id == user("sef.serviciu").id
        if missing == "official"
        else SigningCredential.institution_id == council.id
    )
    db.session.execute(update(SigningCredential).where(condition).values(active=False))
    db.session.flush()
    letters = db.session.scalar(select(func.count(OutgoingLetter.id)))
    documents = db.session.scalar(select(func.count(Document.id)))
    message = "nu aveți o cheie de semnare" if missing == "official" else "nu are un sigiliu electronic"
    with pytest.raises(LetterRefused, match=message):
        send_to_institution(
            None,
            institution("pm-sacele"),
            user("sef.serviciu"),
            "Program lucrări iluminat",
            CONTENT,
            from_institution=council,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutgoingLetter.id))) == letters
    assert db.session.scalar(select(func.count(Document.id))) == documents
