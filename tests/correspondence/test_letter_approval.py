"""Outgoing letters are approved before they are signed: the head reads the PDF, approves or returns with comments
(shown at the top of the redraft and marked in the inbox); the author then signs, the institution seals, the
recipient validates on arrival. Refusals change nothing."""

from sqlalchemy import func, select

from app.correspondence import approval
from app.correspondence.models import DraftStatus, LetterDraft, OutgoingLetter
from app.correspondence.outgoing import LetterInvalid, LetterRefused
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import Attachment, Document
from app.signing.models import SignatureReport
from app.storage import current_store
from tests.routes import user
from tests.signing.helpers import pdfsig
from tests.webflow import csrf_token

CONTENT = "Vă rugăm să ne comunicați programul lucrărilor de iluminat public de pe strada Morii din Săcele."


def institution(code):
    return db.session.scalar(select(Institution).where(Institution.code == code))


def letters() -> int:
    return db.session.scalar(select(func.count(OutgoingLetter.id)))


def draft_to_sacele(author="referent") -> LetterDraft:
    return approval.submit(
        None,
        institution("cj-brasov"),
        user(author),
        subject="Program lucrări iluminat",
        content=CONTENT,
        to_institution=institution("pm-sacele"),
    )


def test_draft_returned_redrafted_approved_then_signed_sealed_and_validated(ctx, tmp_path, pdftotext):
    before = letters()
    draft = draft_to_sacele()
    assert draft.status == DraftStatus.WAITING and letters() == before  # no number before approval
    text = pdftotext(approval.preview(draft), tmp_path)
    assert "previzualizare, nesemnat" in text and "Program lucrări iluminat" in text
    assert "Elena Dumitrescu" in text

    head = user("sef.serviciu")
    try:
        approval.decide(draft, head, approve=False, comments="  ")
        raise AssertionError("a return without comments was accepted")
    except LetterInvalid as exc:
        assert "observatii" in exc.errors
    assert draft.status == DraftStatus.WAITING
    approval.decide(draft, head, approve=False, comments="Precizați termenul de răspuns.")
    assert draft.status == DraftStatus.RETURNED
    assert [d.id for d in approval.my_open_drafts(user("referent"))][0] == draft.id
    try:
        approval.send(draft, user("referent"))
        raise AssertionError("a returned letter was signed")
    except LetterRefused:
        pass
    approval.redraft(draft, user("referent"), draft.subject, CONTENT + " Termen: 15 zile.")
    assert draft in approval.to_decide(head)
    approval.decide(draft, head, approve=True)
    letter = approval.send(draft, user("referent"))
    db.session.commit()

    assert draft.status == DraftStatus.SENT and draft.letter_id == letter.id
    outgoing = db.session.get(Document, letter.outgoing_document_id)
    sent = db.session.scalar(
        select(Attachment).where(Attachment.document_id == outgoing.id).order_by(Attachment.id).limit(1)
    )
    found = pdfsig(current_store().get(sent.sha256), tmp_path)
    assert found.count("Signature is Valid.") == 2 and "Elena Dumitrescu" in found
    reports = {
        r.direction: r
        for r in db.session.scalars(select(SignatureReport).where(SignatureReport.sha256 == sent.sha256))
    }
    assert reports["intrare"].document_id == letter.incoming_document_id
    assert reports["intrare"].status == "valid"


def test_who_may_decide_and_sign(ctx):
    draft = draft_to_sacele()
    # the author cannot approve their own letter; a head of another institution cannot either
    for outsider in ("referent", "sef.sacele", "registrator"):
        try:
            approval.decide(draft, user(outsider), approve=True)
            raise AssertionError(f"{outsider} approved")
        except LetterRefused:
            pass
    assert draft.status == DraftStatus.WAITING
    approval.decide(draft, user("secretar"), approve=True)  # the secretary general may approve any
    try:
        approval.send(draft, user("sef.serviciu"))
        raise AssertionError("someone else signed the author's letter")
    except LetterRefused:
        pass
    assert draft.status == DraftStatus.APPROVED and draft.letter_id is None


def test_web_return_shows_comments_in_the_redraft_and_inbox(app, login_as):
    with app.app_context():
        draft = draft_to_sacele()
        db.session.commit()
        page = f"/corespondenta/ciorne/{draft.public_id}"
    head = login_as("sef.serviciu")
    assert "Program lucrări iluminat" in head.get("/sarcini/").get_data(as_text=True)
    preview = head.get(page + "/previzualizare")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    token = csrf_token(head, page)
    empty = head.post(page, data={"csrf_token": token, "actiune": "returneaza", "observatii": ""})
    assert empty.status_code == 400 and "Scrieți ce trebuie modificat." in empty.get_data(as_text=True)
    back = head.post(
        page, data={"csrf_token": token, "actiune": "returneaza", "observatii": "Precizați termenul."}
    )
    assert back.status_code == 302
    author = login_as("referent")
    html = author.get(page).get_data(as_text=True)
    assert html.index("Precizați termenul.") < html.index("<h1")  # the comments stand at the top
    inbox = author.get("/sarcini/").get_data(as_text=True)
    assert "Returnată" in inbox and "Precizați termenul." in inbox
    with app.app_context():
        row = db.session.scalar(select(LetterDraft).where(LetterDraft.public_id == draft.public_id))
        assert row.status == DraftStatus.RETURNED and row.decided_by.username == "sef.serviciu"


def test_web_refusals_with_a_valid_token_change_nothing(app, login_as):
    with app.app_context():
        draft = draft_to_sacele()
        db.session.commit()
        page = f"/corespondenta/ciorne/{draft.public_id}"
    author = login_as("referent")
    token = csrf_token(author, page)
    # the author may not approve their own letter, nor sign it before approval
    assert author.post(page, data={"csrf_token": token, "actiune": "aproba"}).status_code == 403
    assert author.post(page, data={"csrf_token": token, "actiune": "semneaza"}).status_code == 403
    # staff of another institution, the registry clerk and citizens do not learn it exists
    for outsider in ("sef.sacele", "registrator", "cetatean"):
        client = login_as(outsider)
        token = csrf_token(client, "/cont" if outsider == "cetatean" else "/sarcini/")
        assert client.post(page, data={"csrf_token": token, "actiune": "aproba"}).status_code == 404
        assert client.get(page + "/previzualizare").status_code == 404
    with app.app_context():
        row = db.session.scalar(select(LetterDraft).where(LetterDraft.public_id == draft.public_id))
        assert row.status == DraftStatus.WAITING and row.decided_by_id is None
