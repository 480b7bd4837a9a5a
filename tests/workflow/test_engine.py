"""Engine state: compact (the spec is referenced, not copied) and round-trips exactly."""

from pathlib import Path

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.workflow import engine
from app.workflow.sandbox import make_script_engine

ROOT = Path(__file__).resolve().parents[2]


def petition_specs() -> engine.ProcessSpecs:
    parser = engine.new_parser()
    parser.add_bpmn_xml(
        engine.parse_xml_safely((ROOT / "processes" / "petitie.bpmn").read_bytes()), "petitie.bpmn"
    )
    return engine.ProcessSpecs(parser.get_spec("petitie"), parser.get_subprocess_specs("petitie"))


def started(specs):
    workflow = engine.new_workflow(
        specs, make_script_engine({"register_document": lambda d=None: "1/21.11.2026"})
    )
    workflow.do_engine_steps()
    [submit] = workflow.get_tasks(state=TaskState.READY, manual=True)
    submit.data.update({"subiect": "Subiect", "continut": "Conținut suficient de lung pentru test."})
    submit.run()
    workflow.do_engine_steps()
    return workflow


def test_state_references_the_spec_instead_of_copying_it():
    specs = petition_specs()
    workflow = started(specs)
    state = engine.dump_workflow(workflow)
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    assert len(state) * 2 < len(full)
    restored = engine.load_workflow(state, specs, make_script_engine())
    assert restored.spec is specs.spec
    [ready] = restored.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "inregistrare"
    assert ready.data["subiect"] == "Subiect"
    assert engine.dump_workflow(restored) == state


def test_states_in_spiffs_own_full_format_still_load():
    specs = petition_specs()
    workflow = started(specs)
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    restored = engine.load_workflow(full, specs, make_script_engine())
    [ready] = restored.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "inregistrare"
