"""SpiffWorkflow wiring: hostile-XML-safe parsing, spec cache per deployed version, state serialization."""

from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

# The process definition is three quarters of a serialized workflow, and rebuilding it dominated every load.
# It never changes for a deployed version, so instance state stores only the spec's name; loading takes the spec
# objects parsed once per version (specs_for). States written in Spiff's own full format still load.
_pinned_specs: ContextVar["ProcessSpecs | None"] = ContextVar("pinned_specs", default=None)


def _spec_reference(spec: BpmnProcessSpec) -> dict:
    return {"name": spec.name}


def _resolve_spec_reference(dct: dict) -> BpmnProcessSpec:
    specs = _pinned_specs.get()
    if specs is None:
        raise RuntimeError("loading a workflow state needs its process version's specs")
    if dct["name"] == specs.spec.name:
        return specs.spec
    return specs.subprocess_specs[dct["name"]]


SERIALIZER.registry.register(
    BpmnProcessSpec, _spec_reference, _resolve_spec_reference, typename="PinnedProcessSpec"
)

# No entities, no DTD, no network, no billion-laughs: uploaded BPMN is untrusted.
_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)

MAX_BPMN_BYTES = 5 * 1024 * 1024


class UnsafeXml(ValueError):
    pass


def parse_xml_safely(data: bytes) -> etree._Element:
    if len(data) > MAX_BPMN_BYTES:
        raise UnsafeXml(f"the file is larger than {MAX_BPMN_BYTES // (1024 * 1024)} MB")
    try:
        tree = etree.fromstring(data, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"the file is not well-formed XML ({exc.msg}, line {exc.lineno})") from exc
    doc = tree.getroottree().docinfo
    if doc.doctype:
        raise UnsafeXml("the file declares a DOCTYPE (entities are refused: XML entity attacks)")
    return tree


@lru_cache(maxsize=1)
def _validator() -> BpmnValidator:
    return BpmnValidator()


def new_parser(validate: bool = True, decisions: dict | None = None) -> SpiffBpmnParser:
    """A fresh parser per use (adding a process id twice raises a duplicate-id error), holding the DMN decision
    tables ({file name: XML}) the business-rule tasks call: they must be added before the BPMN is parsed."""
    parser = SpiffBpmnParser(validator=_validator() if validate else None)
    for name, xml in sorted((decisions or {}).items()):
        parser.add_dmn_xml(parse_xml_safely(xml.encode() if isinstance(xml, str) else xml), filename=name)
    return parser


def _decisions_of(version_id: int, bpmn_xml: str) -> dict | None:
    """The DMN files stored with a version (read once per version: specs_for is cached)."""
    if "businessRuleTask" not in bpmn_xml:
        return None
    from app.extensions import db
    from app.workflow.models import ProcessVersion

    version = db.session.get(ProcessVersion, version_id)
    return version.decisions if version is not None else None


@dataclass(frozen=True)
class ProcessSpecs:
    spec: object
    subprocess_specs: dict


@lru_cache(maxsize=256)
def specs_for(version_id: int, content_hash: str, process_id: str, bpmn_xml: str) -> ProcessSpecs:
    """Parsed specs of a deployed version; keyed by id and hash, so a cache entry can never go stale."""
    parser = new_parser(
        validate=False, decisions=_decisions_of(version_id, bpmn_xml)
    )  # validated at deployment
    parser.add_bpmn_xml(parse_xml_safely(bpmn_xml.encode()), filename=f"{process_id}.bpmn")
    return ProcessSpecs(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))


def new_workflow(specs: ProcessSpecs, script_engine) -> BpmnWorkflow:
    return BpmnWorkflow(specs.spec, specs.subprocess_specs, script_engine=script_engine)


def load_workflow(state: str, specs: ProcessSpecs, script_engine) -> BpmnWorkflow:
    token = _pinned_specs.set(specs)
    try:
        workflow = SERIALIZER.deserialize_json(state)
    finally:
        _pinned_specs.reset(token)
    # The script engine is not serialized: it must be set again after every load.
    workflow.script_engine = script_engine
    return workflow


def dump_workflow(workflow: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(workflow)


# A task is part of the route's past once completed or cancelled; anything else (waiting, ready, predicted, in error)
# can still run.
_PAST = TaskState.COMPLETED | TaskState.CANCELLED


def prune_past(workflow: BpmnWorkflow) -> int:
    """Drop the part of the task tree the route can no longer reach, so the saved state stays the size of the live
    part of the route: without this a looping route (a document returned for rework again and again) kept every
    pass in its state and each step serialized and walked all of them (0.8 ms at step 1, 20 ms at step 100).

    Kept: the tree's root (the route's initial data), the lowest common ancestor of every unfinished task with its
    whole subtree, and that ancestor's parent (the step the live part came from: its data is what the next task
    inherits, and the history names it as the previous element). Everything between the root and that parent is
    finished and is no one's ancestor but theirs: the history table and the audit log keep that past. Returns the
    number of tasks dropped. A workflow with subprocesses, or already completed, is left whole."""
    if workflow.subprocesses:
        return 0
    root = workflow.task_tree
    live = [task for task in workflow.tasks.values() if not task.has_state(_PAST)]
    if not live:
        return 0
    common: list | None = None
    for task in live:
        path = []
        node = task
        while node is not None:
            path.append(node.id)
            node = node.parent
        path.reverse()
        if common is None:
            common = path
        else:
            length = 0
            for a, b in zip(common, path, strict=False):
                if a != b:
                    break
                length += 1
            common = common[:length]
    # common[0] is the root; keep the parent of the common ancestor (the anchor) right below the root
    if common is None or len(common) < 4:
        return 0
    anchor = workflow.tasks[common[-2]]
    dropped = []
    stack = [child for child in root._children if child != anchor.id]
    stack.append(common[1])
    seen = set()
    while stack:
        task_id = stack.pop()
        if task_id in seen or task_id == anchor.id:
            continue
        seen.add(task_id)
        task = workflow.tasks.get(task_id)
        if task is None:
            continue
        dropped.append(task_id)
        stack.extend(child for child in task._children if child != anchor.id)
    for task_id in dropped:
        del workflow.tasks[task_id]
    anchor._parent = root.id
    root._children = [anchor.id]
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return len(dropped)


def save_state(workflow: BpmnWorkflow) -> str:
    """What the application stores between two requests: the live part of the route, serialized."""
    prune_past(workflow)
    return dump_workflow(workflow)
