"""Company mandates over HTTP: a request with a mandate file (PDF/JPEG/PNG only), the registered name shown and
confirmed, a clerk of the first institution approves or refuses (reason), only approved representatives submit for the
company and all of them see its documents; a representative withdrawn while submitting is refused."""

import io
import re

import pytest
from sqlalchemy import func, select
from stdnum.ro import cui as stdnum_cui

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.mandates import MANDATE_FILE_REFUSED, SUBMISSION_REFUSED_NOT_REPRESENTATIVE
from app.identity.models import Company, Representation, RepresentationStatus, User
from app.registry.models import Document
from tests.webflow import csrf_token, png_bytes, signup_ion, submit_petition


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(100, 750, "Imputernicire")
    pdf.save()
    return out.getvalue()


def new_cui() -> str:
    return next(str(n) for n in range(22226660, 22226800) if stdnum_cui.is_valid(str(n)))


def ask(client, cui: str, name: str, file=None, **extra):
    token = csrf_token(client, "/cont")
    data = {"csrf_token": token, "cui": cui, "name": name, "capacity": "Administrator", **extra}
    if file is not None:
        data["mandate"] = file
    return client.post("/cont/firme", data=data, content_type="multipart/form-data")


def actions(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def representation_of(app, username: str, cui: str) -> Representation | None:
    with app.app_context():
        return db.session.scalar(
            select(Representation)
            .join(Company)
            .join(User, User.id == Representation.user_id)
            .where(User.username == username, Company.cui == cui)
        )


def decide(clerk, representation_id: int, decision: str, reason: str = ""):
    token = csrf_token(clerk, "/registratura/imputerniciri")
    return clerk.post(
        f"/registratura/imputerniciri/{representation_id}",
        data={"csrf_token": token, "decizie": decision, "reason": reason},
    )


def test_a_request_waits_for_a_clerk_and_is_approved(app, login_as):
    client = login_as("cetatean")
    cui = new_cui()
    response = ask(client, cui, "Exemplu Nou SRL", (io.BytesIO(pdf_bytes()), "imputernicire.pdf"))
    assert response.status_code == 302
    pending = representation_of(app, "cetatean", cui)
    assert (
        pending.status == RepresentationStatus.PENDING and pending.mandate_content_type == "application/pdf"
    )
    # Not yet a representative: the form offers only the company approved before.
    form = client.get("/depune/petitie").get_data(as_text=True)
    assert (
        "În numele firmei Exemplu Nou SRL" not in form
        and "În numele firmei Transilvania Construct SRL" in form
    )
    assert "în verificare" in client.get("/cont").get_data(as_text=True)

    clerk = login_as("registrator")
    assert 'href="/registratura/imputerniciri"' in clerk.get("/sarcini/").get_data(
        as_text=True
    )  # in the menu
    page = clerk.get("/registratura/imputerniciri").get_data(as_text=True)
    assert "Exemplu Nou SRL" in page
    document = clerk.get(f"/registratura/imputerniciri/{pending.id}/document")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    assert decide(clerk, pending.id, "aproba").status_code == 302
    assert representation_of(app, "cetatean", cui).status == RepresentationStatus.APPROVED
    assert "În numele firmei Exemplu Nou SRL" in client.get("/depune/petitie").get_data(as_text=True)


def test_a_refusal_keeps_its_reason(app, login_as):
    client = login_as("cetatean")
    cui = new_cui()
    ask(client, cui, "Exemplu Nou SRL", (io.BytesIO(png_bytes()), "extras.png"))
    pending = representation_of(app, "cetatean", cui)
    clerk = login_as("registrator")
    assert decide(clerk, pending.id, "refuza").status_code == 302  # no reason: refused, nothing changes
    assert representation_of(app, "cetatean", cui).status == RepresentationStatus.PENDING
    decide(clerk, pending.id, "refuza", "Împuternicirea nu este semnată de administrator.")
    refused = representation_of(app, "cetatean", cui)
    assert refused.status == RepresentationStatus.REFUSED
    assert "nu este semnată de administrator" in client.get("/cont").get_data(as_text=True)


def test_only_clerks_of_the_first_institution_review(app, login_as):
    for username in ("cetatean", "registrator.sacele", "referent"):
        assert login_as(username).get("/registratura/imputerniciri").status_code == 404


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused(app, login_as):
    client = login_as("cetatean")
    cui = new_cui()
    before = (actions(app, MANDATE_FILE_REFUSED), representation_of(app, "cetatean", cui))
    response = ask(client, cui, "Exemplu Nou SRL", (io.BytesIO(b"<html>nu</html>"), "imputernicire.pdf"))
    assert response.status_code == 400
    assert "nu este PDF, JPEG sau PNG" in response.get_data(as_text=True)
    assert representation_of(app, "cetatean", cui) is None and before[1] is None
    assert actions(app, MANDATE_FILE_REFUSED) == before[0] + 1
    with app.app_context():
        assert db.session.scalar(select(Company).where(Company.cui == cui)) is None
    missing = ask(client, cui, "Exemplu Nou SRL")
    assert missing.status_code == 400 and "Atașați împuternicirea" in missing.get_data(as_text=True)


def test_the_registered_name_is_shown_and_confirmed_not_replaced(app, client, login_as):

    assert signup_ion(client).status_code == 302
    response = ask(client, "18547290", "Transilvania", (io.BytesIO(pdf_bytes()), "m.pdf"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "este înregistrată ca „Transilvania Construct SRL”" in html and 'name="confirm_name"' in html
    assert representation_of(app, "ion.pop@example.ro", "18547290") is None
    confirmed = ask(
        client,
        "18547290",
        "Transilvania",
        (io.BytesIO(pdf_bytes()), "m.pdf"),
        registered_name="Transilvania Construct SRL",
        confirm_name="da",
    )
    assert confirmed.status_code == 302
    assert representation_of(app, "ion.pop@example.ro", "18547290").status == RepresentationStatus.PENDING
    with app.app_context():
        assert db.session.scalar(select(Company).where(Company.cui == "18547290")).name == (
            "Transilvania Construct SRL"
        )


def submit_for_company(client, company_id: int | None, subject="Autorizație de construire"):
    token = csrf_token(client, "/depune/petitie")
    html = client.get("/depune/petitie").get_data(as_text=True)
    data = {
        "csrf_token": token,
        "submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1),
        "institution": re.search(r'<option value="(\d+)"', html).group(1),
        "subiect": subject,
        "continut": "Vă rugăm să ne comunicați stadiul cererii de autorizare depuse luna trecută.",
        "pentru": str(company_id or ""),
    }
    return client.post("/depune/petitie", data=data, content_type="multipart/form-data")


def company_id(app, cui="18547290") -> int:
    with app.app_context():
        return db.session.scalar(select(Company.id).where(Company.cui == cui))


def test_an_approved_representative_submits_for_the_company_and_all_see_it(app, client, login_as):
    citizen = login_as("cetatean")
    response = submit_for_company(citizen, company_id(app))
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.company_id.is_not(None)))
        assert document.sender_name.startswith("Transilvania Construct SRL (CUI 18547290), prin ")
    page = citizen.get(response.headers["Location"]).get_data(as_text=True)
    assert "Depus în numele firmei Transilvania Construct SRL" in page

    # A second person: not yet a representative, they do not see the document; approved, they do.

    assert signup_ion(client).status_code == 302
    assert client.get(response.headers["Location"]).status_code == 404
    ask(client, "18547290", "Transilvania Construct SRL", (io.BytesIO(pdf_bytes()), "m.pdf"))
    pending = representation_of(app, "ion.pop@example.ro", "18547290")
    decide(login_as("registrator"), pending.id, "aproba")
    assert client.get(response.headers["Location"]).status_code == 200
    assert "Autorizație de construire" in client.get("/documentele-mele").get_data(as_text=True)
    with app.app_context():
        from app.registry.access import can_view

        document = db.session.scalar(select(Document).where(Document.company_id.is_not(None)))
        second = db.session.scalar(select(User).where(User.username == "ion.pop@example.ro"))
        assert can_view(second, document)  # its files and answer too


def test_submitting_for_a_company_not_represented_is_refused(app, client):

    assert signup_ion(client).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ion.pop@example.ro"))
        user.email_verified = True
        db.session.commit()
    before = (actions(app, SUBMISSION_REFUSED_NOT_REPRESENTATIVE),)
    response = submit_for_company(client, company_id(app))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nu mai sunteți reprezentant aprobat" in html and "Autorizație de construire" in html  # text kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id)).where(Document.company_id.is_not(None))) == 0
    assert actions(app, SUBMISSION_REFUSED_NOT_REPRESENTATIVE) == before[0] + 1


@pytest.mark.real_commits
def test_a_representative_withdrawn_while_submitting_is_refused(app, login_as):
    citizen = login_as("cetatean")
    form = citizen.get("/depune/petitie").get_data(as_text=True)
    assert "Transilvania Construct SRL" in form  # the form was opened while approved
    representation = representation_of(app, "cetatean", "18547290")
    decide(login_as("registrator"), representation.id, "retrage", "Mandatul a expirat la 01.12.2026.")
    assert representation_of(app, "cetatean", "18547290").status == RepresentationStatus.REVOKED
    before = actions(app, SUBMISSION_REFUSED_NOT_REPRESENTATIVE)
    response = submit_for_company(citizen, company_id(app))
    assert response.status_code == 400 and "Nu mai sunteți reprezentant aprobat" in response.get_data(
        as_text=True
    )
    assert actions(app, SUBMISSION_REFUSED_NOT_REPRESENTATIVE) == before + 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0
    # In their own name it still works.
    assert submit_petition(citizen).status_code == 302
