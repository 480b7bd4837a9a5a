"""Deployment: every BPMN file in processes/ is checked, then each executable process is stored as a version
together with the forms it references. Any problem stops the whole deployment with file + element + message."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.forms import FormDefinition, check_form_definition
from app.identity.models import Role
from app.identity.roles import SUBMITTER_LANE, SYSTEM_LANE, ensure_standard_roles
from app.workflow.checking import located_parser_error, start_event_problems, unset_read_warnings
from app.workflow.checks import SPIFF, data_flow_problems, structure_problems
from app.workflow.decisions import decision_problems, input_names, output_names
from app.workflow.engine import UnsafeXml, new_parser, parse_xml_safely
from app.workflow.manifest import manifest_problems, submission_fields
from app.workflow.models import ProcessVersion
from app.workflow.sandbox import check_script
from app.workflow.trail import deployment_recorded

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# source_file of versions deployed from the browser modeler (app/modeling): "modeler:<file>.bpmn".
MODELER_SOURCE = "modeler:"
# The spiffworkflow property that marks a user task as a signing step; its value is the signer's role code.
SIGNATURE_PROPERTY = "signatureRole"
# Called with each deployed manifest, in deploy_all's transaction; the registry registers its document types here.
MANIFEST_DEPLOYED: list = []


@dataclass(frozen=True)
class Problem:
    file: str
    element_id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.element_id}" if self.element_id else self.file
        return f"{where}: {self.message}"


class DeploymentFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class CheckedProcess:
    process_id: str
    name: str
    source_file: str
    bpmn_xml: str
    forms: dict
    # What the analyst should look at but that does not stop a deployment (app/workflow/checking.py).
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    # The DMN files its business-rule tasks call ({file name: XML}).
    decisions: dict = dataclasses.field(default_factory=dict)


def _helper_names() -> set[str]:
    from app.workflow.script_helpers import helper_names

    return helper_names()


def _load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def check_bpmn(
    filename: str, data: bytes, forms_dir: Path, role_codes: set[str], decisions: dict | None = None
) -> tuple[list[Problem], list[CheckedProcess]]:
    """All problems of one BPMN file, never an exception: analysts get a list they can act on. `decisions`: the
    DMN files ({file name: XML}) its business-rule tasks may call."""
    problems: list[Problem] = []

    def problem(element_id: str, message: str) -> None:
        problems.append(Problem(filename, element_id, message))

    try:
        tree = parse_xml_safely(data)
    except UnsafeXml as exc:
        problem("", str(exc))
        return problems, []

    processes = tree.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        problem("", "no bpmn:process element: not a BPMN 2.0 process file")
        return problems, []
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    for proc in processes:
        if proc.get("isExecutable") != "true":
            problem(
                proc.get("id", ""), 'process is not executable: set isExecutable="true" (the engine skips it)'
            )
    if problems:
        return problems, []
    for proc in executable:
        for element_id, message in structure_problems(proc) + start_event_problems(proc):
            problem(element_id, message)
    if problems:  # the parser would only add confusing follow-up errors
        return problems, []

    called = _called_decisions(tree, decisions or {}, filename, problems)
    if problems:
        return problems, []
    try:
        parser = new_parser(decisions=called)
    except ValidationException as exc:
        problems.append(Problem(exc.file_name or "", getattr(exc, "id", "") or "", str(exc).split("\n")[0]))
        return problems, []
    try:
        parser.add_bpmn_xml(tree, filename=filename)
    except ValidationException as exc:
        problem(*located_parser_error(tree, exc))
        return problems, []
    except Exception as exc:  # the parser raises TypeError/KeyError on some malformed input
        problem("", f"the BPMN parser could not read the file ({type(exc).__name__}: {exc})")
        return problems, []

    checked = []
    for proc in executable:
        process_id = proc.get("id")
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except (ValidationException, SpiffWorkflowException) as exc:
            problem(getattr(exc, "id", "") or process_id, str(exc).split("\n")[0])
            continue
        except Exception as exc:
            problem(process_id, f"the BPMN parser failed ({type(exc).__name__}: {exc})")
            continue
        forms: dict[str, dict] = {}
        all_specs = [spec, *subprocess_specs.values()]
        for a_spec in all_specs:
            for task_spec in a_spec.task_specs.values():
                _check_task_spec(task_spec, forms_dir, role_codes, forms, problem)
        fields = {name for schema in forms.values() for name in (schema.get("properties") or {})}
        fields |= output_names(called.values())  # what the decision tables set
        reads = _decision_reads(proc, called)
        for element_id, message in data_flow_problems(proc, fields, _helper_names(), reads):
            problem(element_id, message)
        checked.append(
            CheckedProcess(
                process_id,
                proc.get("name") or process_id,
                filename,
                data.decode("utf-8"),
                forms,
                [
                    Problem(filename, e, m)
                    for e, m in unset_read_warnings(proc, forms, _helper_names(), reads)
                ],
                {name: _text(xml) for name, xml in called.items()},
            )
        )
    return problems, checked


def _decision_reads(process, called: dict) -> dict[str, tuple[str, set[str]]]:
    """{business-rule task id: (decision id, the variables its table's inputs read)} for the tasks of `process`."""
    inputs = {}
    for xml in called.values():
        _problems, decision_id = decision_problems(xml)
        if decision_id:
            inputs[decision_id] = input_names(xml)
    reads = {}
    for task in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        ref = (task.findtext(f".//{{{SPIFF}}}calledDecisionId") or "").strip()
        if ref in inputs:
            reads[task.get("id", "")] = (ref, inputs[ref])
    return reads


def _text(xml: bytes | str) -> str:
    return xml.decode("utf-8") if isinstance(xml, bytes) else xml


def _called_decisions(tree, decisions: dict, filename: str, problems: list[Problem]) -> dict:
    """The DMN files the file's business-rule tasks call, each checked (structure and every expression); a task
    calling a decision no file defines is a problem."""
    wanted: dict[str, str] = {}
    for task in tree.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        ref = (task.findtext(f".//{{{SPIFF}}}calledDecisionId") or "").strip()
        if not ref:
            problems.append(
                Problem(
                    filename, task.get("id", ""), "business-rule task without a decision (calledDecisionId)"
                )
            )
        else:
            wanted.setdefault(ref, task.get("id", ""))
    if not wanted:
        return {}
    by_id: dict[str, str] = {}
    called: dict = {}
    for name, xml in sorted(decisions.items()):
        dmn_problems, decision_id = decision_problems(xml)
        if decision_id is None:  # unreadable: it may be the one a task calls
            problems += [Problem(name, element, message) for element, message in dmn_problems]
            continue
        if decision_id not in wanted:
            continue
        if decision_id in by_id:
            problems.append(Problem(name, decision_id, f"decision id also defined in {by_id[decision_id]}"))
            continue
        by_id[decision_id] = name
        problems += [Problem(name, element, message) for element, message in dmn_problems]
        called[name] = xml
    for ref, task_id in wanted.items():
        if ref not in by_id:
            problems.append(Problem(filename, task_id, f'no DMN file defines the decision "{ref}"'))
    return called


def _check_task_spec(task_spec, forms_dir: Path, role_codes: set[str], forms: dict, problem) -> None:
    element_id = getattr(task_spec, "bpmn_id", None)
    if element_id is None:
        return  # engine-internal task
    if isinstance(task_spec, ServiceTask):
        problem(
            element_id, f"{type(task_spec).__name__} is not supported yet: use a script task with a helper"
        )
    extensions = getattr(task_spec, "extensions", {}) or {}
    for key in ("preScript", "postScript"):
        if extensions.get(key):
            for err in check_script(extensions[key], "exec"):
                problem(element_id, f"{key}: {err}")
    if isinstance(task_spec, ScriptTask):
        for err in check_script(task_spec.script or "", "exec"):
            problem(element_id, f"script: {err}")
    # Exclusive and inclusive gateways keep (condition, target) pairs.
    for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
        # Spiff wraps BPMN conditions in a _BpmnCondition holding the expression text in args[0].
        expression = (
            condition.args[0] if condition is not None and getattr(condition, "args", None) else condition
        )
        if isinstance(expression, str):
            for err in check_script(expression, "eval"):
                problem(element_id, f"condition towards {target}: {err}")
    event_definition = getattr(task_spec, "event_definition", None)
    if isinstance(event_definition, TimerEventDefinition):
        for err in check_script(event_definition.expression or "", "eval"):
            problem(element_id, f'timer expression: {err} (quote ISO 8601 values, e.g. "P30D")')
    properties = extensions.get("properties", {}) or {}
    # A signing step: the user task shows the document and asks the person to sign it (app/signing).
    signature_role = properties.get(SIGNATURE_PROPERTY)
    if signature_role is not None and not getattr(task_spec, "manual", False):
        problem(element_id, f"{SIGNATURE_PROPERTY} is only allowed on user tasks")
    if not getattr(task_spec, "manual", False):
        return
    lane = getattr(task_spec, "lane", None)
    if signature_role is not None:
        if signature_role not in role_codes:
            problem(element_id, f'{SIGNATURE_PROPERTY} "{signature_role}" is not a role code')
        elif lane and signature_role != lane:
            problem(element_id, f'{SIGNATURE_PROPERTY} "{signature_role}" must match the lane "{lane}"')
    if not lane:
        problem(element_id, "user task outside any lane: put it in a lane named after a role")
    elif lane not in role_codes and lane not in (SUBMITTER_LANE,):
        problem(element_id, f'lane "{lane}" maps to no role (known: {", ".join(sorted(role_codes))})')
    if lane == SYSTEM_LANE:
        problem(element_id, "user task in the automatic lane")
    form_file = properties.get("formJsonSchemaFilename")
    if not form_file and signature_role is not None:
        return  # the signing page is the document and a "sign" button
    if not form_file:
        problem(element_id, "user task without a form (spiffworkflow property formJsonSchemaFilename)")
        return
    ui_file = properties.get("formUiSchemaFilename")
    for name in filter(None, (form_file, ui_file)):
        if name in forms:
            continue
        path = forms_dir / name
        if "/" in name or "\\" in name or not path.is_file():
            problem(element_id, f"form file {name} not found in forms/")
            continue
        try:
            forms[name] = _load_json(path)
        except (ValueError, UnicodeDecodeError) as exc:
            problem(element_id, f"form file {name} is not valid JSON ({exc})")
    if form_file in forms:
        for err in check_form_definition(forms[form_file], forms.get(ui_file) if ui_file else None):
            problem(element_id, f"form {form_file}: {err}")


def _content_hash(checked: CheckedProcess) -> str:
    digest = hashlib.sha256(checked.bpmn_xml.encode())
    digest.update(json.dumps(checked.forms, sort_keys=True, ensure_ascii=False).encode())
    if checked.decisions:  # routes without decision tables keep the hashes they always had
        digest.update(json.dumps(checked.decisions, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def _reactivates(checked: CheckedProcess, same: ProcessVersion, versions: list[ProcessVersion]) -> bool:
    """Deploying content that is already a version makes it current again only when someone means it: an analyst
    deploying from the modeler, or a file that changed back to an earlier content. A file still holding what it
    last deployed changes nothing."""
    if checked.source_file.startswith(MODELER_SOURCE):
        return True
    from_files = [v for v in versions if not v.source_file.startswith(MODELER_SOURCE)]
    return max(from_files, key=lambda v: v.version, default=None) is not same


DEPLOY_LOCK_KEY = 727_011


def lock_deployments() -> None:
    """Deployments of processes run one at a time (PostgreSQL, until the transaction ends): two deploying at once
    (two containers starting, an analyst in the modeler) would otherwise both read "no change" or both add
    version N+1. The database keeps one current version per process in any case (a partial unique index)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(:k)"), {"k": DEPLOY_LOCK_KEY})


def store_version(
    checked: CheckedProcess, institution_id: int | None = None, deployed_by=None
) -> ProcessVersion:
    """Store `checked` as the current version of its owner: an institution (from its analyst's modeler) or the
    platform (institution None: files and the platform administrator). Version numbers run per process across
    owners, so "v3" names one diagram everywhere."""
    lock_deployments()
    content_hash = _content_hash(checked)
    every = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_id == checked.process_id)
    ).all()
    versions = [v for v in every if v.institution_id == institution_id]
    same = next((v for v in versions if v.content_hash == content_hash), None)
    previously_current = next((v for v in versions if v.is_current), None)
    if same is not None and not _reactivates(checked, same, versions):
        return same  # known content from an unchanged file (every start deploys): a modeler version stays current
    for v in versions:
        v.is_current = False
    db.session.flush()  # the old current row first: the unique index allows one current version at a time
    if same is not None:
        same.is_current = True
        if previously_current is not same:
            deployment_recorded(same, "reactivated")
        return same
    version = ProcessVersion(
        process_id=checked.process_id,
        version=max((v.version for v in every), default=0) + 1,
        name=checked.name,
        source_file=checked.source_file,
        content_hash=content_hash,
        bpmn_xml=checked.bpmn_xml,
        forms=checked.forms,
        decisions=checked.decisions or None,
        is_current=True,
        institution_id=institution_id,
        deployed_by_id=deployed_by.id if deployed_by is not None else None,
    )
    db.session.add(version)
    deployment_recorded(version, "new")
    return version


def _role_codes() -> set[str]:
    """The roles lanes may name: the database's, or the standard ones when the database has no schema yet (a check
    run before `flask db upgrade` must still answer, not crash)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from app.identity.roles import STANDARD_ROLES

    try:
        return {r.code for r in db.session.scalars(db.select(Role))} | set(STANDARD_ROLES)
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        return set(STANDARD_ROLES)


def check_directory(
    processes_dir: Path, forms_dir: Path
) -> tuple[list[Problem], list[CheckedProcess], list[dict]]:
    from app.workflow.decisions import dmn_files

    role_codes = _role_codes()
    problems: list[Problem] = []
    checked: list[CheckedProcess] = []
    decisions = dmn_files(processes_dir)
    for name, xml in decisions.items():
        problems += [Problem(name, element, message) for element, message in decision_problems(xml)[0]]
    for path in sorted(processes_dir.glob("*.bpmn")):
        file_problems, file_checked = check_bpmn(
            path.name, path.read_bytes(), forms_dir, role_codes, decisions
        )
        problems += file_problems
        checked += file_checked
    seen = {}
    for c in checked:
        if c.process_id in seen:
            problems.append(
                Problem(c.source_file, c.process_id, f"process id also defined in {seen[c.process_id]}")
            )
        seen[c.process_id] = c.source_file
    manifests = []
    for path in sorted(processes_dir.glob("*.manifest.json")):
        try:
            manifest = _load_json(path)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, "", f"manifest is not valid JSON ({exc})"))
            continue
        if not isinstance(manifest, dict):
            problems.append(Problem(path.name, "", "the manifest must be a JSON object"))
            continue
        process = next((c for c in checked if c.process_id == manifest.get("process_id")), None)
        fields = submission_fields(process.bpmn_xml, process.forms) if process else None
        for field, message in manifest_problems(manifest, fields):
            problems.append(Problem(path.name, field, message))
        if isinstance(manifest.get("code"), str) and path.name != f"{manifest['code']}.manifest.json":
            problems.append(Problem(path.name, "code", f"name the file {manifest['code']}.manifest.json"))
        if manifest.get("process_id") and manifest["process_id"] not in seen:
            problems.append(
                Problem(path.name, "", f'process "{manifest["process_id"]}" is not deployed by any BPMN file')
            )
        manifest["_file"] = path.name
        manifests.append(manifest)
    return list(dict.fromkeys(problems)), checked, manifests  # a DMN file's problem once, not per caller


def deploy_all(processes_dir: str | Path, forms_dir: str | Path) -> list[ProcessVersion]:
    """Check everything first, then store; all or nothing (the caller commits)."""
    ensure_standard_roles()
    problems, checked, manifests = check_directory(Path(processes_dir), Path(forms_dir))
    if problems:
        raise DeploymentFailed(problems)
    versions = [store_version(c) for c in checked]
    for manifest in manifests:
        for hook in MANIFEST_DEPLOYED:
            hook(manifest)  # the registry keeps its document types (names, deadline, who may submit)
    db.session.flush()
    return versions


# Forms by (version id, content hash, form, ui form), for versions read without their `forms` column (a task's
# step: runtime.lock_task): the hash covers the forms, so an entry never goes stale. Read-only: FormDefinition is
# frozen and validation copies its schema.
_FORMS: dict[tuple, FormDefinition | None] = {}


def form_definition(
    version: ProcessVersion, form_file: str | None, ui_file: str | None
) -> FormDefinition | None:
    state = sa_inspect(version)
    key = (version.id, version.content_hash, form_file, ui_file)
    if "forms" in state.unloaded and key in _FORMS:
        return _FORMS[key]
    if not form_file or form_file not in version.forms:
        found = None
    else:
        found = FormDefinition(version.forms[form_file], version.forms.get(ui_file, {}) if ui_file else {})
    if state.persistent and not state.modified:  # stored as read: the next deferred read can use it
        if len(_FORMS) >= 1024:
            _FORMS.clear()
        _FORMS[key] = found
    return found
