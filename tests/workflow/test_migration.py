"""Moving running documents to a new version of their route, and the reasons when the engine cannot."""

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.registry.models import Document, DocumentStatus
from app.workflow.migration import migrate, plan
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus, WorkflowInstance
from tests.routes import deploy_changed, do, letter_at, user

ROOT = Path(__file__).resolve().parents[2]


def version_of(document: Document) -> int:
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    db.session.refresh(instance)
    return instance.process_version.version


def open_task(document: Document) -> HumanTask:
    return db.session.scalar(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    )


def test_a_changed_step_moves_to_the_new_version_and_the_route_goes_on(ctx, tmp_path):
    document = letter_at("redactare")
    task_before = open_task(document)
    deploy_changed(
        tmp_path,
        lambda xml: xml.replace('name="Redactare răspuns"', 'name="Redactare răspuns oficial"').replace(
            "Redactați răspunsul către instituția expeditoare.", "Redactați răspunsul oficial."
        ),
    )
    assert version_of(document) == 1  # documents keep their version until someone migrates them
    [dry] = plan("adresa")
    assert dry.can_migrate and (dry.from_version, dry.to_version) == (1, 2)
    assert any("redactare (Redactare răspuns) changed" in n for n in dry.notes)
    assert version_of(document) == 1  # planning changes nothing

    [done] = migrate("adresa", actor=user("analist"))
    db.session.commit()
    assert done.migrated and version_of(document) == 2
    task = open_task(document)
    assert task.id == task_before.id and task.name == "Redactare răspuns oficial"  # the same inbox item
    assert task.instructions == "Redactați răspunsul oficial."
    assert task.assignee.username == "referent"
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.event == "route_migrated"
        )
    )
    assert entry.message == "Traseul documentului a trecut de la versiunea 1 la versiunea 2."
    assert entry.actor.username == "analist"
    do(document, "redactare", "referent", {"raspuns": "Datele de trafic sunt în anexă."})
    do(document, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert migrate("adresa") == []  # nothing left on the old version


def remove_approval(xml: str) -> str:
    """Version 2 drops the head's approval: the draft is issued directly."""
    import re

    xml = re.sub(r'\s*<bpmn:userTask id="aprobare".*?</bpmn:userTask>', "", xml, flags=re.S)
    xml = re.sub(r'\s*<bpmn:exclusiveGateway id="gw_aprobat".*?</bpmn:exclusiveGateway>', "", xml, flags=re.S)
    for flow in ("f_apr", "f_returnat", "f_aprobat"):
        xml = re.sub(rf'\s*<bpmn:sequenceFlow id="{flow}".*?</bpmn:sequenceFlow>', "", xml, flags=re.S)
        xml = re.sub(rf'\s*<bpmndi:BPMNEdge id="{flow}_di".*?</bpmndi:BPMNEdge>', "", xml, flags=re.S)
        xml = xml.replace(f"<bpmn:incoming>{flow}</bpmn:incoming>", "").replace(
            f"<bpmn:outgoing>{flow}</bpmn:outgoing>", ""
        )
    for shape in ("aprobare", "gw_aprobat"):
        xml = re.sub(rf'\s*<bpmndi:BPMNShape id="{shape}_di".*?</bpmndi:BPMNShape>', "", xml, flags=re.S)
        xml = xml.replace(f"<bpmn:flowNodeRef>{shape}</bpmn:flowNodeRef>", "")
    return xml.replace(
        '<bpmn:sequenceFlow id="f_red" sourceRef="redactare" targetRef="aprobare">',
        '<bpmn:sequenceFlow id="f_red" sourceRef="redactare" targetRef="emitere">',
    ).replace(
        "<bpmn:outgoing>f_emitere</bpmn:outgoing>",
        "<bpmn:incoming>f_red</bpmn:incoming><bpmn:outgoing>f_emitere</bpmn:outgoing>",
    )


def test_each_document_gets_its_own_answer_when_a_step_is_removed(ctx, tmp_path):
    waiting_for_approval = letter_at("aprobare")
    drafting = letter_at("redactare")
    deploy_changed(tmp_path, remove_approval)
    plans = {p.document_id: p for p in plan("adresa")}
    refused = plans[waiting_for_approval.id]
    assert not refused.can_migrate
    assert refused.reasons == ["it waits at aprobare (Aprobare răspuns), which version 2 removes"]
    assert plans[drafting.id].can_migrate, plans[drafting.id].reasons

    results = {p.document_id: p for p in migrate("adresa")}
    db.session.commit()
    assert results[drafting.id].migrated and not results[waiting_for_approval.id].migrated
    assert version_of(drafting) == 2 and version_of(waiting_for_approval) == 1
    # The migrated draft now goes straight to the answer; the other document still needs its approval.
    do(drafting, "redactare", "referent", {"raspuns": "Datele de trafic sunt în anexă."})
    db.session.refresh(drafting)
    assert drafting.status == DocumentStatus.RESOLVED
    do(waiting_for_approval, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(waiting_for_approval)
    assert waiting_for_approval.status == DocumentStatus.RESOLVED


def remove_assignment(xml: str) -> str:
    """Version 2 drops the head's assignment step: the split leads straight to the draft."""
    import re

    xml = re.sub(r'\s*<bpmn:userTask id="repartizare".*?</bpmn:userTask>', "", xml, flags=re.S)
    xml = re.sub(r'\s*<bpmn:sequenceFlow id="f_rep".*?</bpmn:sequenceFlow>', "", xml, flags=re.S)
    xml = re.sub(r'\s*<bpmndi:BPMNEdge id="f_rep_di".*?</bpmndi:BPMNEdge>', "", xml, flags=re.S)
    xml = re.sub(r'\s*<bpmndi:BPMNShape id="repartizare_di".*?</bpmndi:BPMNShape>', "", xml, flags=re.S)
    xml = xml.replace("<bpmn:flowNodeRef>repartizare</bpmn:flowNodeRef>", "").replace(
        "<bpmn:incoming>f_rep</bpmn:incoming>", "<bpmn:incoming>f_fork_rep</bpmn:incoming>"
    )
    return xml.replace(
        'sourceRef="ramificare" targetRef="repartizare"', 'sourceRef="ramificare" targetRef="redactare"'
    )


def test_a_document_that_passed_a_removed_step_stays_and_a_renamed_step_moves(ctx, tmp_path):
    document = letter_at("redactare")
    deploy_changed(tmp_path, remove_assignment)
    [refused] = plan("adresa")
    assert refused.reasons == ["it already passed repartizare (Repartizare), which version 2 removes"]
    assert version_of(document) == 1
    # Renaming an element's id is not a removal: SpiffWorkflow aligns it by its place in the diagram.
    deploy_changed(
        tmp_path / "v3",
        lambda xml: xml.replace('"repartizare"', '"repartizare_noua"').replace(
            ">repartizare<", ">repartizare_noua<"
        ),
    )
    [moved] = migrate("adresa")
    db.session.commit()
    assert moved.migrated and version_of(document) == 3, moved.reasons


def test_a_changed_timer_is_evaluated_again(ctx, tmp_path):
    document = letter_at("redactare")
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    before = instance.next_timer_at
    deploy_changed(tmp_path, lambda xml: xml.replace("deadline_timer(3)", "deadline_timer(5)"))
    [done] = migrate("adresa")
    db.session.commit()
    assert done.migrated
    assert any("termen_reamintire" in n and "evaluated again" in n for n in done.notes)
    db.session.refresh(instance)
    assert (before - instance.next_timer_at).days == 2  # the reminder now comes five days before, not three


def test_cli_dry_run_and_migrate(app, tmp_path):
    with app.app_context():
        document = letter_at("aprobare")
        other = letter_at("redactare")
        deploy_changed(tmp_path, remove_approval)
        label, other_label = document.registration_label, other.registration_label
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["processes", "migrate", "adresa", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"cannot migrate: document {label}" in dry.output
    assert "- it waits at aprobare (Aprobare răspuns), which version 2 removes" in dry.output
    assert f"can migrate: document {other_label}" in dry.output
    assert "1 of 2 document(s) can move." in dry.output
    real = runner.invoke(args=["processes", "migrate", "adresa"])
    assert real.exit_code == 1  # one document could not move
    assert f"migrated: document {other_label}" in real.output
    assert runner.invoke(args=["processes", "migrate", "nu_exista"]).exit_code == 1
