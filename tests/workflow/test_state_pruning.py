"""The saved state keeps each element the route passed once (engine.prune_past): a looping route costs the same at
step 100 as at step 1, finishes as before, the console can still move the token back, and what readers of the
past need beyond that comes from the history."""

import re
from pathlib import Path

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.extensions import db
from app.workflow import engine
from app.workflow.migration import plan
from app.workflow.models import WorkflowInstance
from app.workflow.runtime import _specs
from app.workflow.sandbox import make_script_engine
from tests.routes import deploy_changed, letter_at

ROOT = Path(__file__).resolve().parents[2]


def loop_specs() -> engine.ProcessSpecs:
    parser = engine.new_parser(validate=True)
    parser.add_bpmn_xml(
        engine.parse_xml_safely((ROOT / "bench" / "processes" / "bucla.bpmn").read_bytes()),
        filename="bucla.bpmn",
    )
    return engine.ProcessSpecs(parser.get_spec("bucla"), parser.get_subprocess_specs("bucla"))


def step(state: str, specs, script_engine, data: dict) -> str:
    workflow = engine.load_workflow(state, specs, script_engine)
    [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
    ready.data.update(data)
    ready.run()
    workflow.do_engine_steps()
    return engine.save_state(workflow)


def test_a_looping_route_keeps_a_bounded_state_and_still_finishes():
    specs, script_engine = loop_specs(), make_script_engine({})
    workflow = engine.new_workflow(specs, script_engine)
    workflow.do_engine_steps()
    state = engine.save_state(workflow)
    sizes = []
    for n in range(100):
        state = step(state, specs, script_engine, {"gata": False, "nota": f"trecerea {n + 1}"})
        sizes.append(len(state))
    # the same size at step 100 as at step 2 (the step counter's digits aside): the passes are not kept
    assert sizes[-1] - sizes[1] < 20, sizes[:3] + sizes[-3:]
    workflow = engine.load_workflow(state, specs, script_engine)
    [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
    # the data the live part inherits is whole: the counter and the last pass's note
    assert ready.data["pas"] == 100 and ready.data["nota"] == "trecerea 100"
    assert ready.parent.task_spec.bpmn_id == "gw_gata"  # the history's "previous element" is still there
    state = step(state, specs, script_engine, {"gata": True})
    finished = engine.load_workflow(state, specs, script_engine)
    assert finished.is_completed()
    assert finished.data["pas"] == 101


def test_without_pruning_the_state_grows_with_every_pass():
    """What prune_past prevents (and what the bench measures): Spiff keeps every pass in the task tree."""
    specs, script_engine = loop_specs(), make_script_engine({})
    workflow = engine.new_workflow(specs, script_engine)
    workflow.do_engine_steps()
    for _ in range(20):
        [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
        ready.data["gata"] = False
        ready.run()
        workflow.do_engine_steps()
    whole = len(engine.dump_workflow(workflow))
    dropped = engine.prune_past(workflow)
    assert (
        dropped >= 19 * 3
    )  # every pass but the latest of the user task, the counting script and the gateway
    assert len(engine.dump_workflow(workflow)) < whole / 3


def test_every_element_passed_is_kept_once_so_the_console_can_move_the_token_back_to_it(app):
    from app.workflow.operations import apply_move

    specs, script_engine = loop_specs(), make_script_engine({})
    workflow = engine.new_workflow(specs, script_engine)
    workflow.do_engine_steps()
    state = engine.save_state(workflow)
    for _ in range(30):
        state = step(state, specs, script_engine, {"gata": False})
    workflow = engine.load_workflow(state, specs, script_engine)
    done = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    # once each (the user task's latest pass is the one waiting now), not 30 times
    assert sorted(done) == ["gw_gata", "initializare", "numarare", "start"]
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)] == ["verificare"]
    with app.test_request_context():
        assert apply_move(workflow, "initializare")["direction"] == "back"
    workflow.do_engine_steps()
    [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "verificare" and ready.data["pas"] == 0  # the counter starts again


def _drop_completed(workflow, bpmn_id: str) -> None:
    """Remove a passed element from the state as pruning does, joining its children to its parent."""
    for task in [t for t in workflow.tasks.values() if t.task_spec.bpmn_id == bpmn_id]:
        parent = task.parent
        position = parent._children.index(task.id)
        parent._children[position : position + 1] = task._children
        for child in task.children:
            child._parent = parent.id
        del workflow.tasks[task.id]


def test_migration_knows_passed_steps_from_the_history_when_the_state_no_longer_has_them(ctx, tmp_path):
    document = letter_at("redactare")
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    workflow = engine.load_workflow(instance.state, _specs(instance.process_version), make_script_engine({}))
    _drop_completed(workflow, "repartizare")
    instance.state = engine.dump_workflow(workflow)
    assert "repartizare" not in {t.task_spec.bpmn_id for t in workflow.tasks.values()}
    db.session.commit()

    def remove_assignment(xml: str) -> str:
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

    deploy_changed(tmp_path, remove_assignment)
    [refused] = plan("adresa")
    assert refused.reasons == ["it already passed repartizare (Repartizare), which version 2 removes"]
