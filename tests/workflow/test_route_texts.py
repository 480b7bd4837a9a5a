"""Route texts in English: each shipped process names its elements and instructs its users in English too
(spiffworkflow properties name.en / instructions.en); pages fall back to the stored Romanian."""

from pathlib import Path

import pytest
from flask_babel import force_locale
from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.registry.models import Document
from app.workflow.models import HistoryEntry, HumanTask
from app.workflow.texts import (
    BPMN,
    SPIFF,
    element_texts,
    history_message,
    localized_xml,
    step_instructions,
    step_name,
)
from tests.routes import open_task, submit_petition
from tests.webflow import compile_english

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
NOT_NAMED_FOR_PEOPLE = {"signal", "message"}  # technical names the engine matches on


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_process_has_its_english_texts(path):
    xml = path.read_text(encoding="utf-8")
    texts = element_texts(xml)
    missing = []
    for element in etree.fromstring(xml.encode()).iter(f"{{{BPMN}}}*"):
        if etree.QName(element).localname in NOT_NAMED_FOR_PEOPLE or not element.get("name"):
            continue
        english = texts.get(element.get("id"), {})
        if "name.en" not in english:
            missing.append(f"{element.get('id')}: name")
        if element.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}instructionsForEndUser") is not None:
            if "instructions.en" not in english:
                missing.append(f"{element.get('id')}: instructions")
    assert missing == []


def test_the_diagram_keeps_its_ids_and_takes_english_labels(app):
    xml = (PROCESSES / "petitie.bpmn").read_text(encoding="utf-8")
    with app.test_request_context(), force_locale("en"):
        english = localized_xml(xml)
    assert 'id="redactare" name="Drafting the answer"' in english
    assert english.count('id="') == xml.count('id="')
    with app.test_request_context():
        assert localized_xml(xml) == xml  # Romanian: the file as deployed


def test_a_broken_snapshot_shows_the_stored_texts():
    assert element_texts("<not xml") == {}


def test_tasks_and_history_in_english_with_romanian_fallback(app, ctx):
    compile_english(app)
    document = submit_petition()
    task = open_task(document, "inregistrare")
    entry = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id == "depunere"
        )
    ).first()
    registered = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.event == "registered"
        )
    ).first()
    assert step_name(task) == "Înregistrare" and step_instructions(task).startswith("Verificați petiția")
    with force_locale("en"):
        assert step_name(task) == "Registration"
        assert step_instructions(task).startswith("Check the petition")
        assert step_name(entry) == "Submitting the petition"
        if registered is not None:
            assert history_message(registered.message).startswith("Registered automatically")
        assert history_message("Un mesaj pe care nu-l cunoaștem.") == "Un mesaj pe care nu-l cunoaștem."
        # a step the version does not translate keeps its stored name
        orphan = HumanTask(
            instance_id=task.instance_id, bpmn_id="nu_exista", name="Pas vechi", instructions=None
        )
        assert step_name(orphan) == "Pas vechi"
    assert isinstance(document, Document)
