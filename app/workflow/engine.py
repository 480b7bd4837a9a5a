"""SpiffWorkflow wiring: hostile-XML-safe parsing, spec cache per deployed version, state serialization."""

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

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


def new_parser(validate: bool = True) -> SpiffBpmnParser:
    # A fresh parser per use: adding a process id twice raises a duplicate-id error.
    return SpiffBpmnParser(validator=_validator() if validate else None)


@dataclass(frozen=True)
class ProcessSpecs:
    spec: object
    subprocess_specs: dict


@lru_cache(maxsize=256)
def specs_for(version_id: int, content_hash: str, process_id: str, bpmn_xml: str) -> ProcessSpecs:
    """Parsed specs of a deployed version; keyed by id and hash, so a cache entry can never go stale."""
    parser = new_parser(validate=False)  # validated at deployment
    parser.add_bpmn_xml(parse_xml_safely(bpmn_xml.encode()), filename=f"{process_id}.bpmn")
    return ProcessSpecs(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))


def new_workflow(specs: ProcessSpecs, script_engine) -> BpmnWorkflow:
    return BpmnWorkflow(specs.spec, specs.subprocess_specs, script_engine=script_engine)


def load_workflow(state: str, script_engine) -> BpmnWorkflow:
    workflow = SERIALIZER.deserialize_json(state)
    # The script engine is not serialized: it must be set again after every load.
    workflow.script_engine = script_engine
    return workflow


def dump_workflow(workflow: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(workflow)
