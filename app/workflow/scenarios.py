"""Scenario tests analysts write next to a process (`processes/<code>.scenarios.json`), run by
`flask processes test` and by the test suite.

A scenario gives the data of each user task in order, may wait (timers due within the wait fire, in order, with
the clock at their due time), and states what it expects: the path of BPMN element ids, the end state, the
deadline, who a task is assigned to. It runs in memory: the route's own BPMN and forms, the sandboxed script
engine, and side-effect-free stand-ins for the helpers under their real names (`bind_helpers`): nothing is written
to the database, no PDF is rendered, nobody is notified. The date helpers are the production code itself
(builtin_helpers), over an in-memory document. At every wait state the engine state is saved and loaded again as in
production, so route data that cannot be stored fails here first.

The format (docs/analysts.md has the analysts' version):

    {"start": "2026-11-23T09:00:00+02:00",          # the clock at submission (optional)
     "departments": {"urbanism": {"head": "sef.urbanism", "officials": ["ana"]}},   # lookups (optional)
     "institutions": ["pm-sacele"],                   # institutions a document may be sent to (optional)
     "scenarios": [{"name": "...", "steps": [
         {"task": "depunere", "data": {...}, "user": "cetatean"},
         {"wait": "P25D"},
         {"expect": {"waiting_for": ["aprobare"], "deadline": "2026-12-23"}}],
       "expect": {"path": [...], "status": "solutionat", ...}}]}
"""

from __future__ import annotations

import copy
import json
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.util.task import TaskState

from app.dates import as_utc, to_local
from app.forms import FormDefinition, validate_submission
from app.identity.roles import STANDARD_ROLES, SUBMITTER_LANE
from app.workflow import engine
from app.workflow.builtin_helpers import HelperEnv
from app.workflow.runtime import TASKS_READY
from app.workflow.sandbox import make_script_engine
from app.workflow.script_helpers import stand_ins

DEFAULT_START = "2026-03-02T09:00:00+02:00"  # a Monday without holidays around it
MAX_TIMER_FIRINGS = 500

# --- the simulated clock --------------------------------------------------------------------------------------

_clock: ContextVar[datetime | None] = ContextVar("scenario_clock", default=None)


class _ScenarioDatetime(datetime):
    """SpiffWorkflow's timers ask datetime.now(); inside a scenario run that is the simulated clock, everywhere
    else (another thread, the application) the real one."""

    @classmethod
    def now(cls, tz=None):
        simulated = _clock.get()
        if simulated is None:
            return datetime.now(tz)
        return simulated.astimezone(tz) if tz is not None else simulated.replace(tzinfo=None)


def _install_clock() -> None:
    # Idempotent, and harmless outside runs: the class falls back to the real time when no run is active.
    if spiff_timer.datetime is not _ScenarioDatetime:
        spiff_timer.datetime = _ScenarioDatetime


# --- the file format ---------------------------------------------------------------------------------------------

_EXPECT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "path": {"type": "array", "items": {"type": "string"}},
        "passes": {"type": "array", "items": {"type": "string"}},
        "avoids": {"type": "array", "items": {"type": "string"}},
        "waiting_for": {"type": "array", "items": {"type": "string"}},
        "completed": {"type": "boolean"},
        "status": {"type": "string"},
        "resolution_contains": {"type": "string"},
        "registered": {"type": "boolean"},
        "department": {"type": ["string", "null"]},
        "deadline": {"type": ["string", "null"], "format": "date"},
        "overdue": {"type": "boolean"},
        "reminders": {"type": "integer", "minimum": 0},
        "deadline_changes": {"type": "integer", "minimum": 0},
        "answer_contains": {"type": "string"},
        "forwarded_to": {"type": ["string", "null"]},
        "assignee": {"type": "object", "additionalProperties": {"type": "string"}},
        "data": {"type": "object"},
    },
}
SCHEMA = {
    "type": "object",
    "required": ["scenarios"],
    "additionalProperties": False,
    "properties": {
        "document_type": {"type": "string"},
        "start": {"type": "string"},
        "institutions": {"type": "array", "items": {"type": "string"}},
        "departments": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "head": {"type": "string"},
                    "officials": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "scenarios": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "steps"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "start": {"type": "string"},
                    "steps": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "task": {"type": "string"},
                                "data": {"type": "object"},
                                "user": {"type": "string"},
                                "wait": {"type": "string", "pattern": "^P"},
                                "expect": _EXPECT,
                                "error": {"type": "string"},
                            },
                            "oneOf": [
                                {"required": ["task"], "not": {"required": ["wait"]}},
                                {"required": ["wait"], "not": {"required": ["task"]}},
                                {
                                    "required": ["expect"],
                                    "not": {"anyOf": [{"required": ["task"]}, {"required": ["wait"]}]},
                                },
                            ],
                        },
                    },
                    "expect": _EXPECT,
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


class ScenarioFailed(Exception):
    pass


@dataclass
class ScenarioResult:
    name: str
    failures: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class FileResult:
    file: str
    problems: list[str] = field(default_factory=list)  # the file itself (format, process, checks)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.ok for s in self.scenarios)


# --- the in-memory document and the helper stand-ins -------------------------------------------------------------


class SimDocument:
    def __init__(self, subject: str, sender: str):
        self.subject = subject
        self.sender_name = sender
        self.registration_number: int | None = None
        self.registered_at: datetime | None = None
        self.deadline_at: datetime | None = None
        self.department: str | None = None
        self.status = "depus"  # submitted (the registry's DocumentStatus.SUBMITTED)
        self.resolution: str | None = None
        self.overdue = False
        self.answers: list[str] = []
        self.reminders = 0
        self.forwarded_to: str | None = None
        self.deadline_changes: list[dict] = []
        self.helper_calls: list[tuple[str, tuple]] = []

    @property
    def registration_label(self) -> str:
        if self.registration_number is None:
            return ""
        return f"{self.registration_number}/{to_local(self.registered_at):%d.%m.%Y}"


class SimEnv(HelperEnv):
    def __init__(self, run: _Run):
        self.run = run
        self.document = run.document

    def now(self) -> datetime:
        return self.run.clock

    def working_days_default(self) -> bool:
        return bool(self.run.deadline.get("working_days", False))

    def type_code(self) -> str:
        return self.run.type_code

    def department_code(self) -> str | None:
        return self.document.department

    def deadline_moved(self, old, new, reason, message) -> None:
        self.document.deadline_changes.append({"from": old, "to": new, "reason": reason, "message": message})

    def head_of(self, department_code: str) -> str | None:
        known = self.run.departments.get(department_code)
        if known is None:
            return None if self.run.departments else f"sef.{department_code}"
        return known.get("head")

    def officials_of(self, department_code: str) -> list[str]:
        known = self.run.departments.get(department_code)
        if known is None:
            return [] if self.run.departments else [f"referent.{department_code}"]
        return list(known.get("officials", []))


def _stand_ins(run: _Run) -> dict:
    return stand_ins(run, SimEnv(run))


def real_helper_names() -> set[str]:
    from app.workflow.deploy import _helper_names

    return _helper_names()


def scenario_helpers(run: _Run, real_names: set[str]) -> tuple[dict, list[str]]:
    """Stand-ins under the real helper names only; a real helper without a stand-in records its calls and
    returns None (and is reported, so someone writes its stand-in)."""
    stand_ins = _stand_ins(run)
    helpers, missing = {}, []
    for name in sorted(real_names):
        if name in stand_ins:
            helpers[name] = stand_ins[name]
        else:
            missing.append(name)
            helpers[name] = _recorder(run.document, name)
    return helpers, missing


def _recorder(document: SimDocument, name: str):
    def record(*args, **kwargs):
        document.helper_calls.append((name, args))

    return record


# --- running ------------------------------------------------------------------------------------------------------


class _Run:
    def __init__(self, checked, specs, manifest: dict, config: dict, scenario: dict, real_names: set[str]):
        self.checked = checked
        self.specs = specs
        self.type_code = manifest.get("code", "")
        self.subject_field = manifest.get("subject_field") or "subiect"
        self.deadline = manifest.get("deadline") or {}
        self.departments = config.get("departments") or {}
        self.config = config
        self.clock = _parse_moment(scenario.get("start") or config.get("start") or DEFAULT_START)
        self.document = SimDocument("", "Solicitant")
        self.actor: str | None = None
        self.path: list[str] = []
        self.real_names = real_names
        self.helpers, self.missing_helpers = scenario_helpers(self, real_names)
        self.script_engine = make_script_engine(self.helpers)
        self.workflow = engine.new_workflow(specs, self.script_engine)

    def engine_steps(self, step) -> None:
        token = _clock.set(self.clock)
        try:
            before = {t.id for t in self.workflow.get_tasks(state=TaskState.COMPLETED)}
            step()
            done = [
                t
                for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
                if t.id not in before and getattr(t.task_spec, "bpmn_id", None) is not None
            ]
            self.path += [t.task_spec.bpmn_id for t in sorted(done, key=lambda t: t.last_state_change)]
        finally:
            _clock.reset(token)
        if self.ready_tasks():
            for (
                hook
            ) in TASKS_READY:  # as in production (the registry marks a registered document in progress)
                hook(self.document)
        # As in production: the state is stored at every wait and loaded for the next step.
        state = engine.dump_workflow(self.workflow)
        self.workflow = engine.load_workflow(state, self.specs, self.script_engine)

    def snapshot(self) -> tuple:
        return engine.dump_workflow(self.workflow), copy.deepcopy(self.document), list(self.path), self.clock

    def restore(self, saved: tuple) -> None:
        """A failed step changes nothing, as the rolled-back transaction does in production."""
        state, self.document, self.path, self.clock = saved
        self.workflow = engine.load_workflow(state, self.specs, self.script_engine)
        self.helpers, self.missing_helpers = scenario_helpers(self, self.real_names)
        self.script_engine.environment.globals.clear()
        self.script_engine.environment.globals.update(self.helpers)

    def ready_tasks(self) -> list:
        return self.workflow.get_tasks(state=TaskState.READY, manual=True)

    def start(self) -> None:
        self.engine_steps(self.workflow.do_engine_steps)

    def complete(self, index: int, step: dict) -> None:
        bpmn_id = step["task"]
        ready = [t for t in self.ready_tasks() if t.task_spec.bpmn_id == bpmn_id]
        if not ready:
            waiting = (
                ", ".join(sorted(t.task_spec.bpmn_id for t in self.ready_tasks()))
                or "nothing (the route ended)"
            )
            raise ScenarioFailed(
                f'step {index}: the route does not wait for task "{bpmn_id}"; it waits for: {waiting}'
            )
        spiff_task = ready[0]
        data = dict(step.get("data") or {})
        form = self._form(spiff_task)
        if form is not None:
            defaults = {
                k: p["default"] for k, p in form.schema.get("properties", {}).items() if "default" in p
            }
            data = {**defaults, **data}
            files = set(form.file_fields())
            errors = validate_submission(
                form, {k: v for k, v in data.items() if k not in files}, _options_from(form, data)
            )
            if errors:
                shown = "; ".join(
                    f"{name or 'form'}: {' '.join(messages)}" for name, messages in errors.items()
                )
                raise ScenarioFailed(f"step {index} ({bpmn_id}): the form refuses the data: {shown}")
        if not self.document.subject and getattr(spiff_task.task_spec, "lane", None) == SUBMITTER_LANE:
            self.document.subject = str(data.get(self.subject_field, ""))[:300]
        self.actor = step.get("user") or self._default_actor(spiff_task)
        spiff_task.data.update(data)

        def run():
            spiff_task.run()
            self.workflow.do_engine_steps()

        self.engine_steps(run)

    def _form(self, spiff_task) -> FormDefinition | None:
        properties = spiff_task.task_spec.extensions.get("properties", {}) or {}
        form_file, ui_file = properties.get("formJsonSchemaFilename"), properties.get("formUiSchemaFilename")
        if not form_file or form_file not in self.checked.forms:
            return None
        return FormDefinition(
            self.checked.forms[form_file], self.checked.forms.get(ui_file, {}) if ui_file else {}
        )

    def assignee_of(self, spiff_task) -> str | None:
        lane = getattr(spiff_task.task_spec, "lane", None)
        if lane == SUBMITTER_LANE:
            return SUBMITTER_LANE
        variable = (spiff_task.task_spec.extensions.get("properties", {}) or {}).get("assignee")
        value = spiff_task.data.get(variable) if variable else None
        return value if isinstance(value, str) else None

    def _default_actor(self, spiff_task) -> str:
        return self.assignee_of(spiff_task) or getattr(spiff_task.task_spec, "lane", None) or "necunoscut"

    def wait(self, index: int, duration: str) -> None:
        try:
            parsed = spiff_timer.TimerEventDefinition.parse_iso_duration(duration)
            target = self.clock + spiff_timer.TimerEventDefinition.get_timedelta_from_start(
                parsed, self.clock
            )
        except Exception:
            raise ScenarioFailed(
                f'step {index}: "{duration}" is not an ISO 8601 duration such as "P25D"'
            ) from None
        for _ in range(MAX_TIMER_FIRINGS):
            due = [moment for moment in self._timer_moments() if moment <= target]
            if not due:
                break
            self.clock = max(self.clock, min(due) + timedelta(seconds=1))

            def fire():
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps()

            self.engine_steps(fire)
        else:
            raise ScenarioFailed(
                f"step {index}: more than {MAX_TIMER_FIRINGS} timers fired: is a timer loop stuck?"
            )
        self.clock = max(self.clock, target)

    def _timer_moments(self) -> list[datetime]:
        moments = []
        for event in self.workflow.waiting_events():
            value = event.value.get("next") if isinstance(event.value, dict) else event.value
            if isinstance(value, str):
                try:
                    moments.append(as_utc(datetime.fromisoformat(value)))
                except ValueError:
                    continue
        return moments


def _options_from(form: FormDefinition, data: dict) -> dict:
    """Choices come from the institution in production; a scenario accepts the values it uses."""
    options: dict[str, list] = {}
    for name, prop in form.properties.items():
        for target in (prop, prop.get("items") if isinstance(prop, dict) else None):
            if isinstance(target, dict) and isinstance(target.get("x-options"), str):
                values = data.get(name)
                values = values if isinstance(values, list) else [values]
                options.setdefault(target["x-options"], []).extend(
                    (v, v) for v in values if isinstance(v, str)
                )
    return options


def _parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ScenarioFailed(f'start "{text}" needs a UTC offset, e.g. "2026-11-23T09:00:00+02:00"')
    return moment.astimezone(UTC)


# --- expectations -------------------------------------------------------------------------------------------------


def _check(run: _Run, expect: dict, where: str) -> list[str]:
    failures = []
    document = run.document

    def fail(message: str) -> None:
        failures.append(f"{where}: {message}")

    if "path" in expect and run.path != expect["path"]:
        fail(f"path differs:\n      expected {expect['path']}\n      actual   {run.path}")
    if "passes" in expect:
        remaining = iter(run.path)
        missing = [element for element in expect["passes"] if element not in remaining]
        if missing:
            fail(f"the path does not pass {missing} in this order; actual path {run.path}")
    for element in expect.get("avoids", []):
        if element in run.path:
            fail(f'the path passes "{element}", which it should avoid')
    waiting = sorted(t.task_spec.bpmn_id for t in run.ready_tasks())
    if "waiting_for" in expect and waiting != sorted(expect["waiting_for"]):
        fail(f"waits for {waiting}, expected {sorted(expect['waiting_for'])}")
    if "completed" in expect and run.workflow.is_completed() != expect["completed"]:
        fail(
            "the route has ended"
            if run.workflow.is_completed()
            else f"the route has not ended (waits for {waiting})"
        )
    if "status" in expect and document.status != expect["status"]:
        fail(f'status is "{document.status}", expected "{expect["status"]}"')
    if "resolution_contains" in expect and expect["resolution_contains"] not in (document.resolution or ""):
        fail(f'resolution "{document.resolution}" does not contain "{expect["resolution_contains"]}"')
    if "registered" in expect and (document.registration_number is not None) != expect["registered"]:
        fail(
            "the document is registered" if document.registration_number else "the document is not registered"
        )
    if "department" in expect and document.department != expect["department"]:
        fail(f'department is "{document.department}", expected "{expect["department"]}"')
    if "deadline" in expect:
        actual = to_local(document.deadline_at).date().isoformat() if document.deadline_at else None
        if actual != expect["deadline"]:
            fail(f"deadline is {actual}, expected {expect['deadline']}")
    if "overdue" in expect and document.overdue != expect["overdue"]:
        fail("the document is marked overdue" if document.overdue else "the document is not marked overdue")
    if "reminders" in expect and document.reminders != expect["reminders"]:
        fail(f"{document.reminders} reminder(s) sent, expected {expect['reminders']}")
    if "deadline_changes" in expect and len(document.deadline_changes) != expect["deadline_changes"]:
        fail(f"{len(document.deadline_changes)} deadline change(s), expected {expect['deadline_changes']}")
    if "forwarded_to" in expect and document.forwarded_to != expect["forwarded_to"]:
        fail(f"forwarded to {document.forwarded_to!r}, expected {expect['forwarded_to']!r}")
    if "answer_contains" in expect and not any(expect["answer_contains"] in a for a in document.answers):
        fail(f'no answer contains "{expect["answer_contains"]}"')
    for bpmn_id, username in (expect.get("assignee") or {}).items():
        tasks = [t for t in run.ready_tasks() if t.task_spec.bpmn_id == bpmn_id]
        if not tasks:
            fail(f'task "{bpmn_id}" is not waiting, so it has no assignee')
        elif run.assignee_of(tasks[0]) != username:
            fail(f'task "{bpmn_id}" is assigned to {run.assignee_of(tasks[0])!r}, expected {username!r}')
    if "data" in expect:
        data = _route_data(run)
        for name, value in expect["data"].items():
            if data.get(name) != value:
                fail(f'route data "{name}" is {data.get(name)!r}, expected {value!r}')
    return failures


def _route_data(run: _Run) -> dict:
    """The data a waiting task sees, or, once the route ended, the data of its last step."""
    tasks = run.ready_tasks()
    if not tasks:
        done = [t for t in run.workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
        tasks = sorted(done, key=lambda t: t.last_state_change)[-1:]
    return dict(tasks[0].data) if tasks else {}


def run_scenario(
    checked, specs, manifest: dict, config: dict, scenario: dict, real_names: set[str]
) -> ScenarioResult:
    result = ScenarioResult(scenario["name"])
    try:
        run = _Run(checked, specs, manifest, config, scenario, real_names)
        run.start()
        for index, step in enumerate(scenario["steps"], start=1):
            saved = run.snapshot()
            try:
                if "task" in step:
                    run.complete(index, step)
                elif "wait" in step:
                    run.wait(index, step["wait"])
            except ScenarioFailed as exc:
                if "error" not in step or step["error"] not in str(exc):
                    raise
                run.restore(saved)  # a refused form, as expected: nothing happened
                if "expect" in step:
                    result.failures += _check(run, step["expect"], f"step {index}")
                continue
            except Exception as exc:  # the route itself failed: a script error, a helper refusing
                message = str(exc).split("\n")[0]
                run.restore(saved)
                if "error" in step and step["error"] in str(exc):
                    if "expect" in step:
                        result.failures += _check(run, step["expect"], f"step {index}")
                    continue  # the scenario expected this failure
                raise ScenarioFailed(
                    f"step {index} ({step.get('task', 'wait')}): the route failed: {message}"
                ) from None
            if "error" in step:
                raise ScenarioFailed(
                    f'step {index}: expected the route to fail with "{step["error"]}", it did not'
                )
            if "expect" in step:
                result.failures += _check(run, step["expect"], f"step {index}")
        result.failures += _check(run, scenario.get("expect") or {}, "end")
        result.path = run.path
    except ScenarioFailed as exc:
        result.failures.append(str(exc))
    return result


def _format_errors(data: dict) -> list[str]:
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "file"
        if error.validator == "oneOf":
            message = 'a step has exactly one of "task", "wait" or only "expect"'
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            message = f"unknown field(s) {', '.join(extra)}"
        else:
            message = error.message
        problems.append(f"{where}: {message}")
    return problems


def run_file(
    path: Path, processes_dir: Path, forms_dir: Path, real_names: set[str] | None = None
) -> FileResult:
    """Run every scenario of one `<code>.scenarios.json`; never raises for a problem in the files."""
    from app.workflow.decisions import dmn_files
    from app.workflow.deploy import check_bpmn

    _install_clock()
    result = FileResult(path.name)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        result.problems.append(f"not valid JSON ({exc})")
        return result
    problems = _format_errors(config) if isinstance(config, dict) else ["the file must be a JSON object"]
    if problems:
        result.problems += problems
        return result
    code = config.get("document_type") or path.name.removesuffix(".scenarios.json")
    manifest_path = processes_dir / f"{code}.manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        result.problems.append(f"no readable manifest {manifest_path.name} for document type {code}")
        return result
    process_id = manifest.get("process_id")
    real_names = real_helper_names() if real_names is None else real_names
    roles = set(STANDARD_ROLES)
    decisions = dmn_files(processes_dir)
    for bpmn in sorted(processes_dir.glob("*.bpmn")):
        data = bpmn.read_bytes()
        if not re.search(rb"""id=["']%s["']""" % re.escape(str(process_id).encode()), data):
            continue
        file_problems, checked = check_bpmn(bpmn.name, data, forms_dir, roles, decisions)
        checked = [c for c in checked if c.process_id == process_id]
        if checked:
            if file_problems:
                result.problems += [f"the process does not pass the checks: {p}" for p in file_problems]
                return result
            break
    else:
        result.problems.append(f'no BPMN file in {processes_dir} defines process "{process_id}"')
        return result
    checked = checked[0]
    parser = engine.new_parser(validate=False, decisions=checked.decisions)
    parser.add_bpmn_xml(engine.parse_xml_safely(checked.bpmn_xml.encode()), filename=checked.source_file)
    specs = engine.ProcessSpecs(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    for scenario in config["scenarios"]:
        outcome = run_scenario(checked, specs, manifest, config, scenario, real_names)
        result.scenarios.append(outcome)
    missing = sorted(real_names - set(_stand_ins_names()))
    if missing:
        result.notes.append(f"helpers without a scenario stand-in (calls return None): {', '.join(missing)}")
    return result


def _stand_ins_names() -> set[str]:
    class _Names:
        document = SimDocument("", "")
        deadline: dict = {}
        departments: dict = {}
        clock = datetime.now(UTC)
        type_code = ""
        actor = None

    return set(_stand_ins(_Names()))


def run_all(target: Path, forms_dir: Path) -> list[FileResult]:
    """`target`: one scenarios file, or a directory whose *.scenarios.json are run."""
    files = [target] if target.is_file() else sorted(target.glob("*.scenarios.json"))
    real_names = real_helper_names()
    return [run_file(f, f.parent, forms_dir, real_names) for f in files]
