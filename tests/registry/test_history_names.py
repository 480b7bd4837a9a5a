"""The history speaks people's words: every step has a name (an automatic step the analyst left unnamed is named
by what it does), events read as labels, never as codes or BPMN ids."""

import re

from sqlalchemy import select

from app.extensions import db
from app.labels import EVENT_LABELS, event_label
from app.workflow.models import HistoryEntry
from app.workflow.texts import step_name
from tests.routes import do, submit_petition


def test_unnamed_automatic_steps_are_named_on_the_staff_page(app, login_as):
    with app.app_context():
        document = submit_petition(subject="Groapă în asfalt pe strada Lungă")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        unnamed = db.session.scalars(
            select(HistoryEntry).where(
                HistoryEntry.document_id == document.id, HistoryEntry.element_name.is_(None)
            )
        ).all()
        # the petition's parallel split ("ramificare") has no name in the diagram
        assert any(e.bpmn_id == "ramificare" for e in unnamed)
        assert {str(step_name(e)) for e in unnamed if e.bpmn_id == "ramificare"} == {
            "Ramificare: pașii următori merg în paralel"
        }
        db.session.commit()
        public_id = document.public_id
    html = login_as("registrator").get(f"/documente/{public_id}").get_data(as_text=True)
    titles = re.findall(r'<div class="fw-semibold">\s*([^<]*?)\s*</div>', html)
    assert titles and all(t for t in titles)
    assert "Ramificare: pașii următori merg în paralel" in titles
    assert not {"ramificare", "automatic", "task_completed"} & set(titles)


def test_every_event_the_code_records_has_a_label():
    for code in ("signature_checked", "task_reassigned", "letter_returned", "incident", "operation"):
        assert code in EVENT_LABELS
    assert str(event_label("an_event_nobody_labelled")) == "Pas în traseu"
