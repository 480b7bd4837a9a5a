"""The candidate check on a loaded task (one read of the user's memberships and delegations) says what the SQL
condition the task lists use says, for own, role, department and deputy tasks."""

from sqlalchemy import select

from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Delegation
from app.workflow.models import HumanTask
from app.workflow.runtime import acting_for, candidate_clause, is_candidate, standing
from tests.routes import do, submit_petition, user

USERS = ("registrator", "sef.serviciu", "referent", "cetatean", "admin")


def by_sql(username: str, task: HumanTask) -> bool:
    return bool(
        db.session.scalar(
            select(HumanTask.id).where(HumanTask.id == task.id, candidate_clause(user(username)))
        )
    )


def test_the_check_on_a_loaded_task_agrees_with_the_sql_condition_also_for_a_deputy(ctx):
    waiting_registration = submit_petition("Groapă pe strada Mică")
    assigned = submit_petition("Stâlp înclinat pe strada Mare")
    do(assigned, "inregistrare", "registrator", {"departament": "relatii-publice"})
    do(assigned, "repartizare", "sef.serviciu", {"referent": "referent"})
    chief = user("sef.serviciu")
    db.session.add(
        Delegation(
            principal_id=user("referent").id,
            deputy_id=chief.id,
            institution_id=chief.memberships[0].institution_id,
            start_date=to_local(now_utc()).date(),
            end_date=to_local(now_utc()).date(),
            reason="concediu",
            created_by_id=chief.id,
        )
    )
    db.session.flush()
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id.in_([waiting_registration.id, assigned.id]))
    ).all()
    assert len(tasks) >= 5  # submission, registration x2, assignment, drafting (completed ones included)
    seen = set()
    for task in tasks:
        for username in USERS:
            expected = by_sql(username, task)
            assert is_candidate(user(username), task) == expected, (username, task.bpmn_id, task.status)
            seen.add(expected)
    assert seen == {True, False}
    [drafting] = [t for t in tasks if t.bpmn_id == "redactare"]
    # the head may draft only as the absent official's deputy: the history names whom he stood in for
    assert is_candidate(chief, drafting) and acting_for(chief, drafting) == user("referent").id
    assert acting_for(user("referent"), drafting) is None
    assert standing(chief.id).principals[0][0] == user("referent").id
