"""A deputy signs the absent official's answer with their own key; the plan, the stamp and the history say who
signed for whom ("p."); a delegation that ended or has not begun is refused, nothing changed."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.correspondence.signed_answer import open_request, sign_task
from app.extensions import db
from app.identity.delegation import create_delegation, today_local
from app.identity.models import Delegation, Institution
from app.registry.models import Attachment
from app.signing.deputy import stamp_identity
from app.signing.keys import SigningRefused
from app.signing.stamp import render_stamp_pdf
from app.storage import current_store
from app.workflow.models import HistoryEntry
from tests.routes import open_task, user
from tests.signing.helpers import pdfsig, petition_at_signing, pyhanko_statuses

pytestmark = pytest.mark.date_sensitive


def cj() -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))


def deputise(start, end, deputy="registrator", principal="referent"):
    db.session.add(
        Delegation(
            principal_id=user(principal).id,
            deputy_id=user(deputy).id,
            institution_id=cj().id,
            start_date=start,
            end_date=end,
            reason="Concediu de odihnă",
            created_by_id=user("admin").id,
        )
    )
    db.session.commit()


def test_deputy_signs_with_their_own_key_for_the_absent_official(ctx, tmp_path, pdftotext):
    document = petition_at_signing()
    today = today_local()
    create_delegation(user("admin"), user("referent"), user("registrator"), cj().id, today, today, "Concediu")
    db.session.commit()

    sign_task(open_task(document, "semnare_referent").id, user("registrator"))
    db.session.commit()
    field = open_request(document).fields[0]
    assert field["username"] == "referent" and field["signed_by"] == "registrator"
    step = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id,
            HistoryEntry.bpmn_id == "semnare_referent",
            HistoryEntry.event == "task_completed",
        )
    )
    assert step.actor_id == user("registrator").id and step.on_behalf_of_id == user("referent").id
    assert step.data["semnatura"]["pentru"] == "referent"

    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()
    answer = db.session.scalar(
        select(Attachment).where(Attachment.document_id == document.id, Attachment.kind == Attachment.ANSWER)
    )
    assert answer is not None
    data = current_store().get(answer.sha256)
    statuses = pyhanko_statuses(data)
    # The deputy's own certificate, and the signature dictionary's /Name: the deputy.
    assert [s.signing_cert.subject.native["common_name"] for _, s in statuses] == [
        "Ioana Marinescu",
        "Mihai Ionescu",
    ]
    assert all(s.bottom_line for _, s in statuses)
    assert pdfsig(data, tmp_path).count("Signature is Valid.") == 2
    issued = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.document_id == document.id, HistoryEntry.event == "signed")
    )
    assert "Ioana Marinescu p. Elena Dumitrescu" in issued.message

    # What the stamp in the field says, rendered by the same function the signature used.
    name, function = stamp_identity(user("registrator"), field)
    assert (name, function) == ("Ioana Marinescu", "p. Elena Dumitrescu, Consilier")
    stamp = render_stamp_pdf(
        220, 70, "Semnat electronic de", name, function, "Data: -", current_app.config["FONT_DIR"]
    )
    assert "p. Elena Dumitrescu, Consilier" in pdftotext(stamp, tmp_path)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-10, -1, "s-a încheiat la"), (2, 5, "începe la")],
)
def test_a_delegation_outside_its_dates_is_refused(ctx, start, end, message):
    document = petition_at_signing()
    today = today_local()
    deputise(today + timedelta(days=start), today + timedelta(days=end))
    task = open_task(document, "semnare_referent")
    with pytest.raises(SigningRefused, match=message):
        sign_task(task.id, user("registrator"))
    db.session.rollback()
    assert open_task(document, "semnare_referent").status == "ready"
    assert not open_request(document).fields[0]["signed_at"]


def test_without_a_delegation_a_colleague_still_cannot_sign(ctx):
    from app.workflow.runtime import NotCandidate

    document = petition_at_signing()
    with pytest.raises(NotCandidate):
        sign_task(open_task(document, "semnare_referent").id, user("registrator"))
    db.session.rollback()
    assert not open_request(document).fields[0]["signed_at"]


def test_deputy_signs_over_http_and_the_page_shows_for_whom(app, login_as):
    with app.app_context():
        document = petition_at_signing()
        today = today_local()
        create_delegation(
            user("admin"), user("referent"), user("registrator"), cj().id, today, today, "Concediu"
        )
        db.session.commit()
        task_id = open_task(document, "semnare_referent").id
    from tests.webflow import sign

    deputy_client = login_as("registrator")
    assert sign(deputy_client, task_id).status_code == 302
    head = login_as("sef.serviciu")
    with app.app_context():
        next_task = open_task(db.session.merge(document), "semnare_sef").id
    page = head.get(f"/sarcini/{next_task}").get_data(as_text=True)
    assert "Ioana Marinescu p. Elena Dumitrescu" in page
    assert "Ioana Marinescu pentru Elena Dumitrescu" in page  # the history
