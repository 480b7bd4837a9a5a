"""One broken instance never stops the platform's timers: each instance is woken in isolation, a failure (any
error, not only a route error) is recorded on that instance with an incident, and the tick goes on."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.dates import now_utc
from app.extensions import db
from app.operations.models import PlatformIncident
from app.workflow.models import InstanceStatus, WorkflowInstance
from app.workflow.runtime import wake_due_instances
from tests.routes import submit_petition


@pytest.mark.real_commits  # sent, woken or recorded through their own sessions
def test_a_failing_instance_becomes_an_incident_and_the_tick_goes_on(ctx):
    broken_doc, good_doc = submit_petition(), submit_petition()
    db.session.commit()
    broken = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == broken_doc.id))
    good = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == good_doc.id))
    broken.next_timer_at = now_utc() - timedelta(hours=2)  # the oldest due: first in the tick
    good.next_timer_at = now_utc() - timedelta(hours=1)
    broken.state = '{"not": "a workflow state"'  # unreadable: not a RouteError
    db.session.commit()
    broken_id, good_id = broken.id, good.id

    assert wake_due_instances() == 1
    db.session.expire_all()
    broken, good = db.session.get(WorkflowInstance, broken_id), db.session.get(WorkflowInstance, good_id)
    assert broken.status == InstanceStatus.ERROR and "JSONDecodeError" in broken.error
    assert good.status == InstanceStatus.RUNNING and good.lock_version > 1  # woken and saved
    [incident] = db.session.scalars(select(PlatformIncident)).all()
    assert incident.kind == "timer" and incident.instance_id == broken_id
    assert incident.document_id == broken_doc.id and "JSONDecodeError" in incident.error
    assert incident.at is not None
    # The next tick does not trip over it again.
    assert wake_due_instances() == 0
    assert db.session.scalar(select(db.func.count(PlatformIncident.id))) == 1
