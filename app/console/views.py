"""Pages of the operations console. Only analysts and administrators, and only for their institution's documents:
anyone else gets 403 (an instance of another institution: 404, its existence is not told)."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.extensions import db
from app.registry.models import Document
from app.unit_of_work import unit_of_work
from app.workflow import operations
from app.workflow.incidents import KIND_LABELS, open_incident_of
from app.workflow.models import (
    HistoryEntry,
    HumanTask,
    Incident,
    InstanceStatus,
    ProcessVersion,
    TaskStatus,
    WorkflowInstance,
)
from app.workflow.ownership import OPERATOR_ROLES, institutions_with_role

bp = Blueprint("operations", __name__, url_prefix="/operare")

STATES = {
    "running": _l("în lucru"),
    "timer": _l("așteaptă un termen"),
    "incident": _l("incident"),
    "suspended": _l("suspendat"),
    "completed": _l("încheiat"),
    "cancelled": _l("anulat"),
}


@bp.before_request
@login_required
def operators_only():
    if not _institutions():
        abort(403)


def _institutions() -> list[int]:
    return institutions_with_role(current_user, OPERATOR_ROLES)


def state_of(instance: WorkflowInstance, waiting_people: bool) -> str:
    if instance.status == InstanceStatus.ERROR:
        return "incident"
    if instance.status == InstanceStatus.SUSPENDED:
        return "suspended"
    if instance.status == InstanceStatus.COMPLETE:
        return "completed"
    if instance.status == InstanceStatus.CANCELLED:
        return "cancelled"
    if not waiting_people and instance.next_timer_at is not None:
        return "timer"
    return "running"


def _rows(filters: dict) -> list[dict]:
    query = (
        select(WorkflowInstance, ProcessVersion, Document)
        .join(ProcessVersion, ProcessVersion.id == WorkflowInstance.process_version_id)
        .join(Document, Document.id == WorkflowInstance.document_id)
        .where(Document.institution_id.in_(_institutions()))
        .order_by(WorkflowInstance.updated_at.desc())
        .limit(1000)
    )
    if filters["proces"]:
        query = query.where(ProcessVersion.process_id == filters["proces"])
    if filters["versiune"].isdigit():
        query = query.where(ProcessVersion.version == int(filters["versiune"]))
    rows = db.session.execute(query).all()
    ids = [i.id for i, _v, _d in rows]
    elements: dict[int, set[str]] = {}
    if ids:
        for instance_id, bpmn_id in db.session.execute(
            select(HumanTask.instance_id, HumanTask.bpmn_id).where(
                HumanTask.instance_id.in_(ids), HumanTask.status == TaskStatus.READY
            )
        ):
            elements.setdefault(instance_id, set()).add(bpmn_id)
        for instance_id, element_id in db.session.execute(
            select(Incident.instance_id, Incident.element_id).where(
                Incident.instance_id.in_(ids), Incident.resolved_at.is_(None)
            )
        ):
            elements.setdefault(instance_id, set()).add(element_id or "?")
    result = []
    for instance, version, document in rows:
        here = elements.get(instance.id, set())
        state = state_of(instance, bool(here) and instance.status != InstanceStatus.ERROR)
        if filters["stare"] and state != filters["stare"]:
            continue
        if filters["element"] and filters["element"] not in here:
            continue
        result.append(
            {
                "instance": instance,
                "version": version,
                "document": document,
                "state": state,
                "elements": sorted(here),
            }
        )
    return result


@bp.route("/")
def index():
    filters = {k: request.args.get(k, "").strip() for k in ("proces", "versiune", "element", "stare")}
    rows = _rows(filters)
    counts = {"state": {}, "process": {}, "version": {}, "element": {}}
    for row in rows:
        counts["state"][row["state"]] = counts["state"].get(row["state"], 0) + 1
        pid = row["version"].process_id
        counts["process"][pid] = counts["process"].get(pid, 0) + 1
        key = f"{pid} v{row['version'].version}"
        counts["version"][key] = counts["version"].get(key, 0) + 1
        for element in row["elements"]:
            counts["element"][element] = counts["element"].get(element, 0) + 1
    processes = db.session.scalars(
        select(ProcessVersion.process_id).distinct().order_by(ProcessVersion.process_id)
    ).all()
    return render_template(
        "operations/index.html",
        rows=rows[:200],
        total=len(rows),
        counts=counts,
        filters=filters,
        states=STATES,
        processes=processes,
    )


def _instance(instance_id: int) -> WorkflowInstance:
    instance = db.session.get(WorkflowInstance, instance_id)
    if instance is None or instance.document.institution_id not in _institutions():
        abort(404)  # another institution's document: not even its existence is told
    return instance


def _current_data(instance: WorkflowInstance) -> dict:
    from SpiffWorkflow.util.task import TaskState

    from app.workflow import engine
    from app.workflow.runtime import RunContext, _script_engine, _specs

    try:
        workflow = engine.load_workflow(
            instance.state,
            _specs(instance.process_version),
            _script_engine(RunContext(instance.document, None)),
        )
    except Exception:  # a state the engine cannot read is shown as such, never as a crash
        return {}
    if workflow.is_completed():
        return dict(workflow.data)
    data: dict = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR):
        if getattr(task.task_spec, "bpmn_id", None):
            data.update(task.data)
    return {k: v for k, v in data.items() if not k.startswith("_")}


@bp.route("/<int:instance_id>")
def instance(instance_id: int):
    instance = _instance(instance_id)
    incidents = db.session.scalars(
        select(Incident).where(Incident.instance_id == instance.id).order_by(Incident.created_at.desc())
    ).all()
    history = db.session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.document_id == instance.document_id)
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(50)
    ).all()
    ready = db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY)
    ).all()
    data = _current_data(instance)
    return render_template(
        "operations/instance.html",
        instance=instance,
        state=state_of(instance, bool(ready)),
        states=STATES,
        incident=open_incident_of(instance.id),
        incidents=incidents,
        kinds=KIND_LABELS,
        history=history,
        ready=ready,
        data_json=json.dumps(data, ensure_ascii=False, indent=2, default=str),
        elements=operations.movable_elements(instance),
    )


@bp.route("/<int:instance_id>/<action>", methods=["POST"])
def act(instance_id: int, action: str):
    instance = _instance(instance_id)
    reason = request.form.get("motiv", "")
    with unit_of_work(operations.OperationRefused) as work:
        if action == "reluare":
            went_on = operations.retry(instance, current_user, reason)
            message = (
                _("Pasul a fost reluat; traseul a mers mai departe.")
                if went_on
                else _("Pasul a eșuat din nou: incidentul păstrează ambele erori.")
            )
        elif action == "variabila":
            value = operations.parse_value(request.form.get("valoare", ""))
            operations.set_variable(instance, current_user, request.form.get("nume", ""), value, reason)
            message = _("Variabila a fost schimbată.")
        elif action == "mutare":
            operations.move(instance, current_user, request.form.get("element", ""), reason)
            message = _("Documentul a fost mutat.")
        elif action == "suspendare":
            operations.suspend(instance, current_user, reason)
            message = _("Traseul a fost suspendat.")
        elif action == "reluare-traseu":
            operations.resume(instance, current_user, reason)
            message = _("Traseul a fost reluat.")
        elif action == "anulare":
            operations.cancel(instance, current_user, reason)
            message = _("Traseul a fost anulat; documentul a fost închis cu motivul dat.")
        else:
            abort(404)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("operations.instance", instance_id=instance_id)), 303
    flash(message, "success")
    return redirect(url_for("operations.instance", instance_id=instance_id)), 303


@bp.route("/incidente")
def incidents():
    rows = db.session.scalars(
        select(Incident)
        .where(Incident.institution_id.in_(_institutions()), Incident.resolved_at.is_(None))
        .order_by(Incident.created_at.desc())
    ).all()
    count = db.session.scalar(
        select(func.count(Incident.id)).where(Incident.institution_id.in_(_institutions()))
    )
    return render_template("operations/incidents.html", rows=rows, count=count, kinds=KIND_LABELS)
