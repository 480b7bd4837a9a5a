"""The operator's actions on one document: each needs a reason, is in the history and the audit log, refuses what
cannot be done with the reason, and replay still verifies the document afterwards."""

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auditors.replay import replay_document
from app.extensions import db
from app.registry.models import DocumentStatus
from app.workflow import operations
from app.workflow.models import HistoryEntry, HumanTask, InstanceStatus, TaskStatus
from app.workflow.runtime import TaskUnavailable, complete_task
from tests.console.steps import COUNCIL, instance_of, letter
from tests.routes import do, open_task, open_tasks, user
from tests.webflow import csrf_token, login


def operation_entries(document) -> list[dict]:
    return [
        h.data
        for h in db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.document_id == document.id,
                HistoryEntry.event.in_(["operation", "route_cancelled"]),
            )
            .order_by(HistoryEntry.id)
        )
    ]


def test_moving_refuses_missing_and_non_holding_elements_then_moves_back(ctx):
    document = letter(COUNCIL, "redactare")
    instance = instance_of(document)
    analyst = user("analist")
    for element, expected in [
        ("nu_exista", "nu există"),
        ("gw_aprobat", "nu poate ține"),
        ("start", "nu poate ține"),
        ("f_start", "nu există"),
    ]:
        try:
            operations.move(instance, analyst, element, "test")
        except operations.OperationRefused as exc:
            assert expected in str(exc), (element, str(exc))
        else:
            raise AssertionError(f"moving to {element} was not refused")
        db.session.rollback()
    assert open_tasks(document) == ["redactare"] and operation_entries(document) == []
    try:
        operations.move(instance, analyst, "repartizare", "  ")
    except operations.OperationRefused as exc:
        assert "motivul" in str(exc)
    db.session.rollback()

    operations.move(instance, analyst, "repartizare", "repartizat greșit")
    db.session.commit()
    assert open_tasks(document) == ["repartizare"]
    [entry] = operation_entries(document)
    assert entry == {
        "action": "move",
        "reason": "repartizat greșit",
        "element": "repartizare",
        "direction": "back",
    }
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.document_id == document.id, AuditEntry.action == "route_operation"
        )
    )
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    result = replay_document(document)
    assert result.verified, result.divergence


def test_a_changed_variable_is_recorded_and_replayed(ctx):
    document = letter(COUNCIL, "redactare")
    instance = instance_of(document)
    try:
        operations.set_variable(instance, user("analist"), "1x", 1, "motiv")
    except operations.OperationRefused as exc:
        assert "Numele variabilei" in str(exc)
    db.session.rollback()
    operations.set_variable(
        instance, user("analist"), "observatii", operations.parse_value('"de verificat"'), "notă"
    )
    db.session.commit()
    [entry] = operation_entries(document)
    assert entry["variable"] == "observatii" and entry["new"] == "de verificat" and entry["old"] is None
    result = replay_document(document)
    assert result.verified, result.divergence


def test_suspended_routes_take_no_step_until_resumed(ctx):
    document = letter(COUNCIL, "redactare")
    instance = instance_of(document)
    operations.suspend(instance, user("analist"), "verificare dosar")
    db.session.commit()
    try:
        complete_task(open_task(document, "redactare").id, user("referent"), {"raspuns": "Răspuns complet."})
    except TaskUnavailable as exc:
        assert "suspendat" in str(exc)
    else:
        raise AssertionError("a suspended route took a step")
    db.session.rollback()
    operations.resume(instance, user("analist"), "verificat")
    db.session.commit()
    assert instance_of(document).status == InstanceStatus.RUNNING
    do(document, "redactare", "referent", {"raspuns": "Datele de trafic sunt în anexă."})
    assert [e["action"] for e in operation_entries(document)] == ["suspend", "resume"]
    assert replay_document(document).verified


def test_cancelling_closes_the_document_with_a_visible_note(app):
    with app.app_context():
        document = letter(COUNCIL, "redactare")
        instance_id, public_id = instance_of(document).id, document.public_id
    analyst = login(app.test_client(), "admin")  # administrators of the institution operate too
    token = csrf_token(analyst, f"/operare/{instance_id}")
    assert (
        analyst.post(f"/operare/{instance_id}/anulare", data={"csrf_token": token, "motiv": ""}).status_code
        == 303
    )
    with app.app_context():
        assert instance_of(document).status == InstanceStatus.RUNNING  # no reason: nothing changed
    analyst.post(f"/operare/{instance_id}/anulare", data={"csrf_token": token, "motiv": "depusă de două ori"})
    with app.app_context():
        document = db.session.get(type(document), document.id)
        assert (
            document.status == DocumentStatus.CLOSED_NO_ACTION and "depusă de două ori" in document.resolution
        )
        assert instance_of(document).status == InstanceStatus.CANCELLED
        assert not db.session.scalars(
            select(HumanTask).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        ).all()
        try:
            operations.suspend(instance_of(document), user("analist"), "după anulare")
        except operations.OperationRefused as exc:
            assert "încheiat" in str(exc)
        db.session.rollback()
    citizen = login(app.test_client(), "cetatean")
    assert "depusă de două ori" in citizen.get(f"/documentele-mele/{public_id}").get_data(as_text=True)
