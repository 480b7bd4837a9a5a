"""Incidents: a route that fails inside a step (a script, a timer, a helper, after a signature) stops at that element
and waits for an operator, instead of rolling the person's step back or stalling unseen.

What happens when an engine run fails:
* every script runs in its own savepoint (`guard_scripts`), so the failing script leaves nothing half done while the
  elements completed before it keep their effects, as the engine state says;
* the engine state is saved with the failing element in ERROR; the instance's status becomes `error`;
* an `Incident` row records the element, the error in plain words, the time and the route data at that element
  (a retry that fails again adds its error to the same incident);
* the document's history says the route is delayed; the institution's analysts and the people holding the document
  (open tasks' holders, the department's heads) get an in-app notice; the citizen sees "delayed, being handled".

Operators resolve incidents in the console (app/operations): retry, change a variable, move, cancel."""

from __future__ import annotations

import json
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.audit.log import record
from app.dates import now_utc
from app.extensions import db
from app.workflow.models import HistoryEntry, Incident, InstanceStatus

INCIDENT_OPENED = "incident_opened"
INCIDENT_RESOLVED = "incident_resolved"
# (document, plain message) when a route's incident opens: notifications tells analysts and the document's holders.
ON_INCIDENT: list = []

KIND_LABELS = {
    "script": _l("script"),
    "timer": _l("termen (timer)"),
    "helper": _l("funcție ajutătoare"),
    "signing": _l("pas de semnare"),
    "engine": _l("motorul de trasee"),
}

# The technical error type -> what it means, for people who do not read Python.
_PLAIN = {
    "NameError": _l(
        "scriptul folosește o valoare pe care traseul nu o are (un câmp redenumit sau o greșeală de scriere)"
    ),
    "KeyError": _l("scriptul caută o cheie care lipsește din date"),
    "TypeError": _l("scriptul primește o valoare de alt tip decât se așteaptă"),
    "ValueError": _l("scriptul primește o valoare nepotrivită"),
    "ZeroDivisionError": _l("scriptul împarte la zero"),
    "IndexError": _l("scriptul caută un element care lipsește dintr-o listă"),
    "AttributeError": _l("scriptul folosește o proprietate inexistentă"),
    "SyntaxError": _l("scriptul nu este scris corect"),
    "ScriptLimitExceeded": _l("scriptul a depășit timpul sau numărul de pași permis"),
    "ScriptRejected": _l("scriptul face ceva ce nu este permis"),
    "HelperError": _l("o funcție ajutătoare nu a putut face ce i s-a cerut"),
    "RouteError": _l("o funcție ajutătoare nu a putut face ce i s-a cerut"),
}
_HELPER_ERRORS = {"HelperError", "RouteError"}


def guard_scripts(script_engine):
    """Run each script in its own savepoint: a script that fails undoes only its own database changes."""
    execute = script_engine.execute

    def guarded(task, script, external_context=None):
        with db.session.begin_nested():
            return execute(task, script, external_context)

    script_engine.execute = guarded
    return script_engine


def _plain_data(data: dict) -> dict:
    """The route data as JSON can hold it (route data is plain by rule; anything else is shown as text)."""
    return json.loads(json.dumps({k: v for k, v in data.items() if not k.startswith("_")}, default=str))


def _failure(exc: Exception, workflow):
    """(failing engine task or None, error type, technical message) of a failed engine run."""
    cause = exc.__cause__ or exc
    task = getattr(cause, "task", None)
    if task is None:
        failed = workflow.get_tasks(state=TaskState.ERROR)
        task = failed[0] if failed else None
    error_type = getattr(cause, "error_type", None) or type(cause).__name__
    technical = str(cause).splitlines()[0] if str(cause) else error_type
    return task, error_type, technical


def plain_message(element_name: str, error_type: str, technical: str) -> str:
    if error_type in _HELPER_ERRORS:
        # helpers' own messages are written for analysts ("head_of: department X has no head")
        detail = technical.split(":", 1)[-1].strip()
        return _(
            "Pasul „%(step)s” nu a putut fi executat: %(what)s (%(detail)s).",
            step=element_name,
            what=str(_PLAIN[error_type]),
            detail=detail,
        )
    what = _PLAIN.get(error_type)
    if what is None:
        return _("Pasul „%(step)s” nu a putut fi executat: eroare neprevăzută în traseu.", step=element_name)
    quoted = re.search(r"'([^']{1,60})'", technical)
    if quoted:  # the name or key concerned, so the analyst knows where to look
        return _(
            "Pasul „%(step)s” nu a putut fi executat: %(what)s: „%(name)s”.",
            step=element_name,
            what=str(what),
            name=quoted.group(1),
        )
    return _("Pasul „%(step)s” nu a putut fi executat: %(what)s.", step=element_name, what=str(what))


def open_incident(ctx, workflow, exc: Exception, kind: str) -> Incident:
    """Record the failure of an engine run on `ctx.instance` (the caller saves the engine state)."""
    instance, document = ctx.instance, ctx.document
    task, error_type, technical = _failure(exc, workflow)
    spec = task.task_spec if task is not None else None
    element_id = getattr(spec, "bpmn_id", None)
    element_name = (getattr(spec, "bpmn_name", None) or element_id) if spec is not None else None
    if error_type in _HELPER_ERRORS and kind == "script":
        kind = "helper"
    plain = plain_message(element_name or _("necunoscut"), error_type, technical)
    now = now_utc()
    attempt = {"at": now.isoformat(), "error": plain, "type": error_type, "technical": technical}
    data = _plain_data(task.data) if task is not None else None
    incident = open_incident_of(instance.id)
    if incident is None:
        incident = Incident(
            instance_id=instance.id,
            document_id=document.id,
            institution_id=document.institution_id,
            element_id=element_id,
            element_name=element_name,
            kind=kind,
            error=plain,
            details=[attempt],
            data=data,
            created_at=now,
        )
        db.session.add(incident)
    else:  # a retry that failed again: both errors stay
        incident.details = [*incident.details, attempt]
        incident.error, incident.data = plain, data
        incident.element_id, incident.element_name, incident.kind = element_id, element_name, kind
    instance.status = InstanceStatus.ERROR
    instance.error = plain
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            instance_id=instance.id,
            at=now,
            event="incident",
            bpmn_id=element_id,
            element_name=element_name,
            message=plain,
            data={"kind": kind, "type": error_type},
        )
    )
    db.session.flush()
    record(
        INCIDENT_OPENED,
        document=document,
        bpmn_id=element_id,
        target=f"incident {incident.id}",
        data={"kind": kind, "type": error_type, "error": plain, "technical": technical},
    )
    _tell(document, plain)
    return incident


def open_incident_of(instance_id: int) -> Incident | None:
    return db.session.scalar(
        select(Incident).where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
    )


def _tell(document, plain: str) -> None:
    """The people who must act are told by the packages above (notifications: in-app notices)."""
    for tell in ON_INCIDENT:
        tell(document, plain)


def run_or_incident(ctx, workflow, step, what: str, kind: str, person_step: bool = False) -> Incident | None:
    """Run engine code; a failure of the route opens (or extends) an incident instead of raising.

    In a person's step (not a signing one), a `RouteError` a domain package raises on purpose (an archive file on
    legal hold, say) stays a refusal the person is shown, with nothing saved: it is a rule, not a broken route."""
    from app.workflow.runtime import RouteError, _run_engine

    try:
        _run_engine(step, what)
    except RouteError as exc:
        _task, error_type, technical = _failure(exc, workflow)
        if person_step and kind != "signing" and error_type == "RouteError":
            # the rule's own words, without the engine's wrapping ("RouteError:…")
            raise RouteError(technical.split(":", 1)[-1].strip() if ":" in technical else technical) from exc
        return open_incident(ctx, workflow, exc, kind)
    return None


def resolve(incident: Incident, actor, how: str) -> None:
    incident.resolved_at = now_utc()
    incident.resolved_by_id = actor.id if actor is not None else None
    incident.resolution = how
    record(
        INCIDENT_RESOLVED,
        actor=actor,
        document_id=incident.document_id,
        bpmn_id=incident.element_id,
        target=f"incident {incident.id}",
        data={"how": how},
    )


def is_delayed(document) -> bool:
    """True while the document's route waits for an operator (an open incident): the citizen sees "delayed"."""
    return bool(
        db.session.scalar(
            select(Incident.id).where(Incident.document_id == document.id, Incident.resolved_at.is_(None))
        )
    )
