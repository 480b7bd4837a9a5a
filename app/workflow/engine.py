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


# Parsed specs by (version id, content hash): the hash covers the diagram, its forms and decisions, so the diagram
# (tens of KB, deferred by the runtime's read of a task) is read from the database only on a version's first use.
_VERSION_SPECS: dict[tuple, ProcessSpecs] = {}


def version_specs(version) -> ProcessSpecs:
    """`specs_for` of a stored ProcessVersion, without reading its diagram once it has been parsed."""
    if version.id is None:
        return specs_for(version.id, version.content_hash, version.process_id, version.bpmn_xml)
    key = (version.id, version.content_hash, version.process_id)
    found = _VERSION_SPECS.get(key)
    if found is None:
        found = specs_for(version.id, version.content_hash, version.process_id, version.bpmn_xml)
        if len(_VERSION_SPECS) >= 256:
            _VERSION_SPECS.clear()
        _VERSION_SPECS[key] = found
    return found


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


def _live_ancestry(workflow: BpmnWorkflow) -> list | None:
    """Ids from the root to the lowest common ancestor of every unfinished task (None when nothing is unfinished).

    The first unfinished task's path to the root is walked whole; every other one only up to the first ancestor on
    the common path so far (the ancestors of a node of that root-anchored path are on it too), which is where the
    common path ends now."""
    common: list | None = None
    position: dict = {}
    for task in workflow.tasks.values():
        if task.has_state(_PAST):
            continue
        if common is None:
            path = []
            node = task
            while node is not None:
                path.append(node.id)
                node = node.parent
            path.reverse()
            common = path
            position = {task_id: i for i, task_id in enumerate(path)}
            continue
        node = task
        while node is not None and node.id not in position:
            node = node.parent
        keep = position[node.id] + 1 if node is not None else 0
        if keep < len(common):
            for task_id in common[keep:]:
                del position[task_id]
            common = common[:keep]
    return common


def prune_past(workflow: BpmnWorkflow) -> int:
    """Drop the earlier passes of elements the route went through more than once, so the saved state stays the
    size of the route, not of its history: without this a looping route (a document returned for rework again and
    again) kept every pass in its state and each step serialized and walked all of them (0.8 ms at step 1, 20 ms
    at step 100).

    Only the finished chain above the live part is touched (above the lowest common ancestor of every unfinished
    task). On it, the latest pass of each element is kept, with the root (the route's initial data) and the step
    the live part came from (the data the next task inherits, the history's "previous element"); an earlier pass is
    cut out of the chain, its side branches (all finished) with it. So every element the route passed is still
    there once: the console can move the token back to it, migration sees it. The history table and the audit log
    keep every pass. Returns the number of tasks dropped. A workflow with subprocesses, or one that has finished,
    is left whole."""
    if workflow.subprocesses:
        return 0
    common = _live_ancestry(workflow)
    if common is None or len(common) < 4:
        return 0
    tasks = workflow.tasks
    root, came_from, below = tasks[common[0]], tasks[common[-2]], tasks[common[-1]]
    later = {below.task_spec.name}
    dropped = 0
    for task_id in reversed(common[:-1]):
        task = tasks[task_id]
        spec = task.task_spec.name
        if task is root or task is came_from or spec not in later or task.state != TaskState.COMPLETED:
            later.add(spec)
            below = task
            continue
        parent = task.parent
        parent._children = [below.id if child == task.id else child for child in parent._children]
        below._parent = parent.id
        stack = [task.id]
        while stack:
            gone = tasks.pop(stack.pop(), None)
            if gone is None:
                continue
            dropped += 1
            stack.extend(child for child in gone._children if child != below.id)
    if workflow.last_task is not None and workflow.last_task.id not in tasks:
        workflow.last_task = None
    return dropped


def save_state(workflow: BpmnWorkflow) -> str:
    """What the application stores between two requests: the live part of the route, serialized."""
    prune_past(workflow)
    return dump_workflow(workflow)
