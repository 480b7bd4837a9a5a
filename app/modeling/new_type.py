"""A new document type created in the browser: the analyst starts from a working route (submission, registration,
drafting, issue), its forms, its manifest and a scenario test, edits them in the modeler and deploys them together.
The type has no file in processes/: its manifest and scenarios travel with its versions. Deploying it offers it at
the analyst's institution with the manifest's file-plan code; nothing is stored unless every check and every
scenario passes."""

import json
import re
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Role
from app.registry.catalogue import upsert_document_type
from app.registry.models import DocumentType
from app.workflow.deploy import MODELER_SOURCE, Problem, check_bpmn, store_version
from app.workflow.gates import scenario_problems_of
from app.workflow.manifest import manifest_problems, submission_fields
from app.workflow.models import ProcessVersion

CODE = re.compile(r"^[a-z][a-z0-9-]{1,59}$")


def process_id_for(code: str) -> str:
    return code.replace("-", "_")


def taken(code: str) -> bool:
    """A code (or its process id) already used by a type, a file in processes/ or any institution's version."""
    if not CODE.match(code or ""):
        return True
    processes = Path(current_app.config["PROCESSES_DIR"])
    if (processes / f"{code}.manifest.json").exists():
        return True
    if db.session.scalar(select(DocumentType.id).where(DocumentType.code == code)) is not None:
        return True
    pid = process_id_for(code)
    return (
        db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == pid).limit(1))
        is not None
    )


def starter(code: str, name: str) -> dict:
    """A route that deploys as it is: the analyst changes it rather than starting from a blank page."""
    pid = process_id_for(code)
    forms = {
        f"{code}-depunere.json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": name,
            "type": "object",
            "required": ["subiect"],
            "properties": {
                "subiect": {"type": "string", "title": "Subiectul cererii", "minLength": 5, "maxLength": 200},
                "detalii": {"type": "string", "title": "Detalii", "maxLength": 5000},
            },
        },
        f"{code}-inregistrare.json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Înregistrare",
            "type": "object",
            "required": ["departament"],
            "properties": {
                "departament": {
                    "type": "string",
                    "title": "Compartimentul căruia i se repartizează",
                    "x-options": "departments",
                }
            },
        },
        f"{code}-raspuns.json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Redactare răspuns",
            "type": "object",
            "required": ["raspuns"],
            "properties": {
                "raspuns": {"type": "string", "title": "Răspunsul", "minLength": 20, "maxLength": 20000}
            },
        },
    }
    manifest = {
        "code": code,
        "process_id": pid,
        "name": {"ro": name, "en": name},
        "description": {"ro": name, "en": name},
        "deadline": {"days": 30, "working_days": False},
        "who_may_submit": "citizen",
        "subject_field": "subiect",
        "content_field": "detalii",
        "file_plan": {"class": "I-1", "name": name, "retention_years": 5},
        "signature_level": "none",
    }
    scenarios = {
        "start": "2026-11-23T09:00:00+02:00",
        "scenarios": [
            {
                "name": "Cererea primește răspuns",
                "steps": [
                    {"task": "depunere", "data": {"subiect": "O cerere de probă"}},
                    {"task": "inregistrare", "data": {"departament": "relatii-publice"}},
                    {
                        "task": "redactare",
                        "data": {"raspuns": "Răspunsul la cererea dumneavoastră este favorabil."},
                    },
                ],
                "expect": {"status": "solutionat", "completed": True},
            }
        ],
    }
    return {
        "xml": _starter_bpmn(pid, name, code),
        "forms": forms,
        "manifest": manifest,
        "scenarios": scenarios,
    }


def _user_task(task_id: str, name: str, form: str) -> str:
    return (
        f'<bpmn:userTask id="{task_id}" name={quoteattr(name)}><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" /></spiffworkflow:properties>'
        "</bpmn:extensionElements>"
    )


def _starter_bpmn(pid: str, name: str, code: str) -> str:
    lanes = [
        ("solicitant", ["start", "depunere"]),
        ("registrator", ["inregistrare"]),
        ("referent", ["redactare"]),
        ("sistem", ["atribuire_numar", "emitere", "sfarsit"]),
    ]
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{lane}" name="{lane}">'
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
        + "</bpmn:lane>"
        for lane, nodes in lanes
    )
    flows = [
        ("f1", "start", "depunere"),
        ("f2", "depunere", "inregistrare"),
        ("f3", "inregistrare", "atribuire_numar"),
        ("f4", "atribuire_numar", "redactare"),
        ("f5", "redactare", "emitere"),
        ("f6", "emitere", "sfarsit"),
    ]
    incoming = {t: f for f, _s, t in flows}
    outgoing = {s: f for f, s, _t in flows}

    def io(node: str) -> str:
        return (f"<bpmn:incoming>{incoming[node]}</bpmn:incoming>" if node in incoming else "") + (
            f"<bpmn:outgoing>{outgoing[node]}</bpmn:outgoing>" if node in outgoing else ""
        )

    nodes = (
        f'<bpmn:startEvent id="start" name="Cerere nouă">{io("start")}</bpmn:startEvent>'
        + _user_task("depunere", escape(name), f"{code}-depunere.json")
        + io("depunere")
        + "</bpmn:userTask>"
        + _user_task("inregistrare", "Înregistrare", f"{code}-inregistrare.json")
        + io("inregistrare")
        + "</bpmn:userTask>"
        + f'<bpmn:scriptTask id="atribuire_numar" name="Atribuire număr">{io("atribuire_numar")}'
        "<bpmn:script>numar = register_document(departament)</bpmn:script></bpmn:scriptTask>"
        + _user_task("redactare", "Redactare răspuns", f"{code}-raspuns.json")
        + io("redactare")
        + "</bpmn:userTask>"
        + f'<bpmn:scriptTask id="emitere" name="Emitere răspuns">{io("emitere")}'
        "<bpmn:script>issue_answer(raspuns)</bpmn:script></bpmn:scriptTask>"
        + f'<bpmn:endEvent id="sfarsit" name="Răspuns emis">{io("sfarsit")}</bpmn:endEvent>'
        + "".join(f'<bpmn:sequenceFlow id="{f}" sourceRef="{s}" targetRef="{t}" />' for f, s, t in flows)
    )
    # The drawing: one row per lane, the steps left to right.
    lane_y = {lane: 60 + i * 130 for i, (lane, _n) in enumerate(lanes)}
    lane_of = {n: lane for lane, ns in lanes for n in ns}
    order = ["start", "depunere", "inregistrare", "atribuire_numar", "redactare", "emitere", "sfarsit"]
    bounds = {}
    for i, node in enumerate(order):
        x = 200 + i * 150
        small = node in ("start", "sfarsit")
        w, h = (36, 36) if small else (110, 80)
        bounds[node] = (x, lane_y[lane_of[node]] + (47 if small else 25), w, h)
    width = 200 + len(order) * 150
    shapes = f'<bpmndi:BPMNShape id="pool_di" bpmnElement="participant" isHorizontal="true"><dc:Bounds x="120" y="60" width="{width}" height="{130 * len(lanes)}" /></bpmndi:BPMNShape>'
    for lane, _n in lanes:
        shapes += f'<bpmndi:BPMNShape id="lane_{lane}_di" bpmnElement="lane_{lane}" isHorizontal="true"><dc:Bounds x="150" y="{lane_y[lane]}" width="{width - 30}" height="130" /></bpmndi:BPMNShape>'
    for node, (x, y, w, h) in bounds.items():
        shapes += f'<bpmndi:BPMNShape id="{node}_di" bpmnElement="{node}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
    for f, s, t in flows:
        sx, sy, sw, sh = bounds[s]
        tx, ty, _tw, th = bounds[t]
        x1, y1, x2, y2 = sx + sw, sy + sh // 2, tx, ty + th // 2
        mid = (x1 + x2) // 2
        shapes += (
            f'<bpmndi:BPMNEdge id="{f}_di" bpmnElement="{f}"><di:waypoint x="{x1}" y="{y1}" />'
            f'<di:waypoint x="{mid}" y="{y1}" /><di:waypoint x="{mid}" y="{y2}" /><di:waypoint x="{x2}" y="{y2}" />'
            "</bpmndi:BPMNEdge>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        f'id="def_{pid}" targetNamespace="http://registratura.example/bpmn">'
        f'<bpmn:collaboration id="colaborare_{pid}"><bpmn:participant id="participant" name={quoteattr(name)} '
        f'processRef="{pid}" /></bpmn:collaboration>'
        f'<bpmn:process id="{pid}" name={quoteattr(name)} isExecutable="true">'
        f'<bpmn:laneSet id="laneset_{pid}">{lane_xml}</bpmn:laneSet>{nodes}</bpmn:process>'
        f'<bpmndi:BPMNDiagram id="diagram_{pid}"><bpmndi:BPMNPlane id="plane_{pid}" '
        f'bpmnElement="colaborare_{pid}">{shapes}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>'
    )


def _forms_dir(tmp: Path, forms: dict) -> Path:
    for path in Path(current_app.config["FORMS_DIR"]).glob("*.json"):
        (tmp / path.name).write_bytes(path.read_bytes())
    for name, body in forms.items():
        (tmp / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return tmp


def create(
    code: str,
    xml: bytes,
    forms: dict,
    manifest: object,
    scenarios: object,
    decisions: dict,
    institution_id: int | None,
    actor,
    store: bool = True,
) -> tuple[list[Problem], ProcessVersion | None]:
    """Check everything, run the scenarios, then (unless only checking) store the first version and the type (the
    caller commits)."""
    manifest_file = f"{code}.manifest.json"
    if taken(code):
        return [Problem(manifest_file, "code", f'the code "{code}" is already used: choose another')], None
    problems = [Problem(manifest_file, field, message) for field, message in manifest_problems(manifest)]
    if problems:
        return problems, None
    if manifest.get("code") != code:
        return [Problem(manifest_file, "code", f'the manifest\'s code must be "{code}"')], None
    if not isinstance(scenarios, dict) or not scenarios.get("scenarios"):
        return [Problem(f"{code}.scenarios.json", "", "a new type needs at least one scenario test")], None
    filename = f"{code}.bpmn"
    with tempfile.TemporaryDirectory() as tmp:
        roles = {r.code for r in db.session.scalars(select(Role))}
        problems, checked = check_bpmn(filename, xml, _forms_dir(Path(tmp), forms), roles, decisions)
    if problems:
        return problems, None
    if [c.process_id for c in checked] != [manifest["process_id"]]:
        return [
            Problem(filename, "", f'the diagram must hold exactly one process, "{manifest["process_id"]}"')
        ], None
    result = checked[0]
    fields = submission_fields(result.bpmn_xml, result.forms)
    problems = [Problem(manifest_file, f, m) for f, m in manifest_problems(manifest, fields)]
    if problems:
        return problems, None
    problems = scenario_problems_of(
        filename,
        xml,
        manifest,
        scenarios,
        result.forms,
        Path(current_app.config["FORMS_DIR"]),
        result.decisions,
    )
    if problems or not store:
        return problems, None
    result.source_file = MODELER_SOURCE + filename
    version = store_version(result, institution_id, actor)
    version.manifest = manifest
    version.scenarios = scenarios
    upsert_document_type(manifest)
    db.session.flush()
    if institution_id is not None:
        from app.modeling.service import offer_at

        offer_at(institution_id, result.process_id, manifest)
    return [], version
