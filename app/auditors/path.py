"""A document's path, step by step, for the auditor's player and the audit bundle: each step's element and the
sequence flow taken to reach it, who acted and for whom, when, the data submitted and how it changed the route's
data, the time the step took, and the signatures made in it."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.chain import compute_hash
from app.audit.log import SEAL, SIGNATURE, SIGNATURE_VALIDATED, TASK_COMPLETED
from app.audit.models import AuditEntry
from app.correspondence.issuing import function_title
from app.dates import as_utc, format_datetime
from app.extensions import db
from app.forms import display_rows
from app.labels import ACTION_LABELS, event_label
from app.registry.history import history_with_rows
from app.registry.models import Document
from app.workflow import engine
from app.workflow.deploy import BPMN_NS, form_definition
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus, WorkflowInstance
from app.workflow.texts import step_name

STEP_EVENTS = ("task_completed", "automatic", "task_claimed", "task_released")
SIGNATURE_ACTIONS = (SIGNATURE, SEAL, SIGNATURE_VALIDATED)


def sequence_flows(bpmn_xml: str) -> dict[tuple[str, str], str]:
    """(sourceRef, targetRef) -> sequence flow id, from the pinned process XML."""
    tree = engine.parse_xml_safely(bpmn_xml.encode())
    flows = {}
    for flow in tree.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        key = (flow.get("sourceRef"), flow.get("targetRef"))
        flows.setdefault(key, flow.get("id"))
    return flows


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} z")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    if not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


@dataclass
class Step:
    index: int
    history_id: int
    bpmn_id: str
    name: str
    element_type: str | None
    event: str
    at: datetime
    actor: str | None
    actor_function: str | None
    on_behalf_of: str | None
    previous_bpmn_id: str | None
    flow_id: str | None
    data: dict | None
    rows: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # (label, before, after)
    waited_seconds: float | None = None
    task_seconds: float | None = None
    signatures: list = field(default_factory=list)
    sealed_in: int | None = None  # audit entry seq
    sealed_ok: bool | None = None

    def as_json(self) -> dict:
        return {
            "index": self.index,
            "bpmn_id": self.bpmn_id,
            "name": self.name,
            "element_type": self.element_type,
            "event": self.event,
            "event_label": str(_EVENT_LABELS.get(self.event) or event_label(self.event)),
            "at": format_datetime(self.at),
            "at_iso": as_utc(self.at).isoformat(),
            "actor": self.actor,
            "actor_function": self.actor_function,
            "on_behalf_of": self.on_behalf_of,
            "previous_bpmn_id": self.previous_bpmn_id,
            "flow_id": self.flow_id,
            "data": self.data,
            "rows": [[label, value] for label, value in self.rows],
            "changes": [[label, before, after] for label, before, after in self.changes],
            "waited": format_duration(self.waited_seconds),
            "task_duration": format_duration(self.task_seconds),
            "signatures": self.signatures,
            "sealed_in": self.sealed_in,
            "sealed_ok": self.sealed_ok,
        }


_EVENT_LABELS = {
    "task_completed": ACTION_LABELS[TASK_COMPLETED],
    "automatic": _l("Pas automat"),
    "task_claimed": ACTION_LABELS["task_claimed"],
    "task_released": ACTION_LABELS["task_released"],
}


def _form_options(document: Document) -> dict:
    from app.workflow.runtime import form_options

    return form_options(document)


def _one_value(form, options, name, value) -> str:
    if value is None:
        return "—"
    if form is None or name not in form.properties:
        return str(value)
    rows = display_rows(form, {name: value}, options=options)
    return rows[0][1] if rows else str(value)


def document_steps(document: Document) -> list[Step]:
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    if instance is None:
        return []
    version = instance.process_version
    flows = sequence_flows(version.bpmn_xml)
    entries: list[HistoryEntry] = [
        e for e in history_with_rows(document) if e.bpmn_id and e.event in STEP_EVENTS
    ]
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.document_id == document.id)).all()
    forms = {t.bpmn_id: form_definition(version, t.form_file, t.ui_form_file) for t in tasks}
    completed_tasks = {
        (t.bpmn_id, as_utc(t.completed_at)): t
        for t in tasks
        if t.status == TaskStatus.COMPLETED and t.completed_at
    }
    sealed = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.document_id == document.id, AuditEntry.action == TASK_COMPLETED)
            .order_by(AuditEntry.seq)
        )
    )
    signatures = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.document_id == document.id, AuditEntry.action.in_(SIGNATURE_ACTIONS))
            .order_by(AuditEntry.seq)
        )
    )
    options = _form_options(document)
    titles: dict[int, str] = {}
    state: dict = {}
    steps: list[Step] = []
    completions = 0
    previous_at = None
    for index, entry in enumerate(entries):
        actor = entry.actor
        if actor is not None and actor.id not in titles:
            titles[actor.id] = function_title(actor, document) if actor.is_staff else "Petent"
        task = (
            completed_tasks.get((entry.bpmn_id, as_utc(entry.at)))
            if entry.event == "task_completed"
            else None
        )
        step = Step(
            index=index,
            history_id=entry.id,
            bpmn_id=entry.bpmn_id,
            name=str(step_name(entry)),
            element_type=entry.element_type,
            event=entry.event,
            at=entry.at,
            actor=actor.full_name if actor else None,
            actor_function=titles.get(actor.id) if actor else None,
            on_behalf_of=None,
            previous_bpmn_id=entry.previous_bpmn_id,
            flow_id=flows.get((entry.previous_bpmn_id, entry.bpmn_id)) if entry.previous_bpmn_id else None,
            data=entry.data if entry.event == "task_completed" else None,
            rows=list(getattr(entry, "rows", []) or []),
            waited_seconds=(as_utc(entry.at) - as_utc(previous_at)).total_seconds() if previous_at else None,
        )
        if task is not None:
            step.task_seconds = (as_utc(task.completed_at) - as_utc(task.created_at)).total_seconds()
            if task.lane == "solicitant" and document.submitter_id != (actor.id if actor else None):
                step.on_behalf_of = document.sender_name
        if entry.event == "task_completed":
            form = forms.get(entry.bpmn_id)
            for name, value in (entry.data or {}).items():
                if state.get(name) != value:
                    label = form.label(name) if form and name in form.properties else name
                    step.changes.append(
                        (
                            label,
                            _one_value(form, options, name, state.get(name)),
                            _one_value(form, options, name, value),
                        )
                    )
            state.update(entry.data or {})
            if completions < len(sealed):
                audit = sealed[completions]
                step.sealed_in = audit.seq
                step.sealed_ok = compute_hash(audit) == audit.hash and audit.bpmn_id == entry.bpmn_id
                if audit.on_behalf_of:
                    step.on_behalf_of = audit.on_behalf_of
            completions += 1
        steps.append(step)
        previous_at = entry.at
    _attach_signatures(steps, signatures)
    return steps


def _attach_signatures(steps: list[Step], signatures: list[AuditEntry]) -> None:
    if not steps:
        return
    for sig in signatures:
        candidates = [s for s in steps if s.bpmn_id == sig.bpmn_id] if sig.bpmn_id else []
        if candidates:
            target = min(candidates, key=lambda s: abs((as_utc(s.at) - as_utc(sig.at)).total_seconds()))
        else:
            before = [s for s in steps if as_utc(s.at) <= as_utc(sig.at)]
            target = before[-1] if before else steps[0]
        data = sig.data or {}
        target.signatures.append(
            {
                "action": str(ACTION_LABELS.get(sig.action, sig.action)),
                "by": sig.actor_name,
                "at": format_datetime(sig.at),
                "what": sig.target,
                "details": {k: v for k, v in data.items() if isinstance(v, str | int | float | bool)},
                "seq": sig.seq,
            }
        )


def current_state(document: Document) -> dict:
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    open_tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ).all()
    version = instance.process_version if instance else None
    return {
        "status": document.status,
        "instance_status": instance.status if instance else None,
        "open_tasks": [
            {"bpmn_id": t.bpmn_id, "name": t.name, "holder": t.holder.full_name if t.holder else None}
            for t in open_tasks
        ],
        "version": {
            "process_id": version.process_id,
            "name": version.name,
            "version": version.version,
            "content_hash": version.content_hash,
            "deployed_at": format_datetime(version.deployed_at),
            "is_current": version.is_current,
        }
        if version
        else None,
    }
