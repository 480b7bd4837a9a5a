"""Sandbox for the Python that uploaded BPMN carries: script tasks, pre/post scripts, gateway conditions,
timer and assignee expressions.

SpiffWorkflow's ``TaskDataEnvironment`` runs them with plain ``exec``/``eval`` and full builtins, so a BPMN
file could run anything in the server. Here every script and expression is:

* compiled by RestrictedPython (``compile_restricted_exec`` / ``compile_restricted_eval``) with a policy that
  adds our own refusals (imports, class definitions, ``str.format``, dangerous builtin names) to its own
  (names and attributes starting with ``_``, ``exec``/``eval`` calls, ...). ``def`` and ``lambda`` are
  allowed because RestrictedPython allows them; functions never reach task data. The compile result is
  cached per (source, mode): the engine evaluates the same conditions over and over;
* run with vetted builtins only and RestrictedPython's guards (attribute reads through ``safer_getattr``,
  writes only into lists and dicts);
* bounded in steps and wall-clock time, and (cheaply, not exactly) in memory.

How time is bounded, and why not with ``sys.settrace``: on CPython 3.11 a one-line ``while True: pass``
compiles to a jump onto itself that emits no line events at all, and a script can catch the exception a
tracer raises, after which CPython has switched tracing off. So the policy inserts a ``_tick_()`` call at the
top of every ``while``/``for`` body, every function body, every lambda, every ``except`` and ``finally``
block, and wraps every comprehension's iterable. A tick counts one step, checks the clock every 128 steps,
and, once the budget is blown, raises again at every later tick, so catching ``ScriptLimitExceeded`` does not
help. Straight-line code without those constructs is bounded by its own length. The trace function is never
touched (debuggers and coverage keep working).

Memory guards (runtime, per value and per run): ``+``, ``*``, ``%``, ``**``, ``<<``, augmented assignments,
``*`` unpacking, list slice assignment, f-string format specs, ``round``, ``range``, ``sum`` (numbers only),
and the str/bytes/list methods that widen (``ljust``, ``rjust``, ``center``, ``zfill``, ``expandtabs``,
``replace``, ``join``, ``translate``, ``extend``) refuse results over
``MAX_ITEMS`` items/characters or integers over ``MAX_INT_BITS`` bits, and count what they produce against
``MAX_TOTAL_ITEMS`` per run. Constant expressions such as ``"x" * 10**9`` are refused at check time.

Remaining limits (document them to whoever writes routes, and keep helpers honest):

* helpers run with full Python: the time they take counts toward the wall-clock budget but is only checked at
  the script's next tick, so a slow helper is never interrupted. Helpers should return plain data (str,
  numbers, lists, dicts): a returned object exposes every attribute and method whose name does not start
  with ``_`` (an ORM model would expose its relationships and ``query``);
* the memory guards are estimates, not a hard cap: a script can still hold up to about ``MAX_TOTAL_ITEMS``
  items, plus what it builds element by element within its step budget (``append`` in a loop);
* single C-level operations on values that are already large (``sorted`` of a million items) are not
  interrupted; nothing here replaces an OS-level limit (a worker process with ``RLIMIT_AS``) if the
  threat model ever includes hostile route authors rather than careless ones.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.workflow.script_guards import _MATH, _STATIC_GLOBALS, _STRING, _Run
from app.workflow.script_policy import (  # the sandbox's interface: errors, deploy-time check
    SCRIPT_FILENAME,
    ScriptLimitExceeded,
    ScriptRejected,
    _compiled_or_raise,
    check_script,
)

__all__ = [
    "ScriptLimitExceeded",
    "ScriptRejected",
    "SandboxedEnvironment",
    "check_script",
    "make_script_engine",
]

# --- environment and engine --------------------------------------------------------------------------------


def _is_not_data(value: Any) -> bool:
    return (
        callable(value)
        or isinstance(value, (types.ModuleType, types.GeneratorType))
        or value is _MATH
        or value is _STRING
    )


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Drop-in for SpiffWorkflow's TaskDataEnvironment that runs scripts in the sandbox.

    Name resolution in scripts: builtins < helpers < external_context < task data (task data may not shadow
    a helper or an external_context name in scripts: ValueError, as TaskDataEnvironment does)."""

    def __init__(
        self, helpers: dict[str, Callable] | None = None, time_limit: float = 1.0, max_steps: int = 200_000
    ):
        helpers = dict(helpers or {})
        for name in helpers:
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                raise ValueError(f"invalid helper name {name!r}: use an identifier not starting with '_'")
        if time_limit <= 0 or max_steps <= 0:
            raise ValueError("time_limit and max_steps must be positive")
        super().__init__(helpers)  # self.globals, as SpiffWorkflow's environments call it
        self.time_limit = time_limit
        self.max_steps = max_steps

    @property
    def helpers(self) -> dict[str, Callable]:
        return self.globals

    def _namespace(self, run: _Run, context: dict, external_context: dict | None) -> dict[str, Any]:
        namespace = dict(self.globals)
        if external_context:
            namespace.update(external_context)
        namespace.update(context)
        # Guards last: task data keys that start with "_" must not replace them.
        namespace.update(_STATIC_GLOBALS)
        namespace.update(run.namespace_guards())
        return namespace

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        compiled = _compiled_or_raise(expression, "eval")
        if self.globals:
            # Only refuse when the expression really uses a shadowed helper: conditions run everywhere.
            clash = compiled.used_names & self.globals.keys() & context.keys()
            if clash:
                raise ValueError(_overwrite_message(clash))
        run = _Run(self.time_limit, self.max_steps)
        return run.run(compiled.code, self._namespace(run, context, external_context))

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        external_context = external_context or {}
        compiled = _compiled_or_raise(script, "exec")
        self.check_for_overwrite(context, external_context)
        run = _Run(self.time_limit, self.max_steps)
        namespace = self._namespace(run, context, external_context)
        run.run(compiled.code, namespace)
        # Only a script that finished changes task data (in-place changes to lists/dicts excepted).
        self._write_back(namespace, context, external_context)
        return True

    def _write_back(self, namespace: dict, context: dict, external_context: dict) -> None:
        for name in [name for name in context if name not in namespace]:
            del context[name]  # `del x` in the script
        for name, value in namespace.items():
            if name.startswith("_") or name in self.globals or name in external_context:
                continue  # guards, builtins, RestrictedPython temporaries, helpers, external values
            if _is_not_data(value):
                context.pop(name, None)  # functions and sandbox objects are not task data (JSON)
            else:
                context[name] = value

    def check_for_overwrite(self, context: dict, external_context: dict) -> None:
        clash = (self.globals.keys() | external_context.keys()) & context.keys()
        if clash:
            raise ValueError(_overwrite_message(clash))

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not supported: use a script task that calls a helper")


def _overwrite_message(names: Iterable[str]) -> str:
    return "task data overwrites predefined function(s); rename these variables or form fields: " + ", ".join(
        sorted(names)
    )


_LINE = re.compile(r"Line (\d+):")


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose errors keep the cause (`__cause__`) and its message, and whose line numbers
    come from script frames only. Every failure is a WorkflowTaskException carrying the task."""

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {_describe(exc)}", task=task, exception=exc
            ) from exc

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except Exception as exc:
            raise self.create_task_exec_exception(task, script, exc) from exc

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        line_number = _script_line(err)
        error_line = ""
        lines = script.splitlines()
        if 0 < line_number <= len(lines):
            error_line = lines[line_number - 1]
        if isinstance(err, SpiffWorkflowException):
            err.add_note(f"Python script error on line {line_number}: '{error_line}'")
            return err
        return WorkflowTaskException(
            _describe(err), task=task, exception=err, line_number=line_number, error_line=error_line
        )

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        # The base class has a NameError in its error path; service tasks are refused anyway.
        raise WorkflowTaskException(
            "service tasks are not supported: use a script task that calls a helper", task=task
        )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _script_line(err: BaseException) -> int:
    if isinstance(err, ScriptRejected):
        match = _LINE.match(err.errors[0]) if err.errors else None
        return int(match.group(1)) if match else 0
    line = 0
    tb = err.__traceback__
    while tb is not None:  # the innermost script frame is the line that failed
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def make_script_engine(
    helpers: dict[str, Callable] | None = None, *, time_limit: float = 1.0, max_steps: int = 200_000
) -> PythonScriptEngine:
    """A SpiffWorkflow script engine running everything in the sandbox; `helpers` are exposed by name."""
    return SandboxedScriptEngine(environment=SandboxedEnvironment(helpers, time_limit, max_steps))
