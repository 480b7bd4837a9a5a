"""The BPMN script sandbox: no database, no Flask app."""

import sys
import time

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from app.workflow import script_guards, script_policy
from app.workflow.sandbox import (
    SandboxedEnvironment,
    ScriptLimitExceeded,
    ScriptRejected,
    check_script,
    make_script_engine,
)


@pytest.fixture
def env():
    return SandboxedEnvironment()


# --- conditions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, data, expected",
    [
        ('decision == "aproba"', {"decision": "aproba"}, True),
        ('decision == "aproba"', {"decision": "respinge"}, False),
        ("len(files) > 0", {"files": ["a.pdf"]}, True),
        ("len(files) > 0", {"files": []}, False),
        ('a in ["x", "y"]', {"a": "y"}, True),
        ("(a + b) * 2 - c / 4", {"a": 1, "b": 2, "c": 8}, 4.0),
        ("n % 7 == 3 and n ** 2 > 100", {"n": 17}, True),
        ('data["k"] >= 3', {"data": {"k": 3}}, True),
        ('data.get("missing", 0) == 0', {"data": {}}, True),
        ("sum(x for x in values if x > 1)", {"values": [1, 2, 3]}, 5),
        ('f"{zile:>3} zile"', {"zile": 30}, " 30 zile"),
        ('"P%dD" % zile', {"zile": 30}, "P30D"),
        ("\n   y > 5\n  ", {"y": 8}, True),  # conditions come out of XML with whitespace around them
    ],
)
def test_conditions(env, expression, data, expected):
    assert check_script(expression, "eval") == []
    assert env.evaluate(expression, data) == expected


def test_condition_sees_external_context_and_task_data_wins(env):
    assert env.evaluate("dosar + suma", {"suma": 2}, {"dosar": 40, "suma": 1}) == 42


def test_condition_using_a_shadowed_helper_is_refused():
    env = SandboxedEnvironment({"zile_lucratoare": lambda n: n})
    assert env.evaluate("x > 1", {"x": 2, "zile_lucratoare": 3}) is True  # unused: fine
    with pytest.raises(ValueError, match="zile_lucratoare"):
        env.evaluate("zile_lucratoare(x) > 1", {"x": 2, "zile_lucratoare": 3})


def test_compiles_are_cached():
    expression = "cached_condition_probe == 1"
    before = script_policy._compile_cached.cache_info()
    env = SandboxedEnvironment()
    for value in range(50):
        env.evaluate(expression, {"cached_condition_probe": value})
    after = script_policy._compile_cached.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 49


# --- scripts ----------------------------------------------------------------------------------------------


def test_assignment_creates_task_data(env):
    data = {"x": 3}
    assert env.execute("y = x * 2\nmesaj = 'gata'", data) is True
    assert data == {"x": 3, "y": 6, "mesaj": "gata"}


def test_augmented_assignment_and_list_and_dict_changes(env):
    data = {"counter": 1, "files": ["a"], "meta": {"k": 1}, "text": "ab"}
    env.execute(
        "counter += 1\ncounter *= 10\ntext += 'c'\nfiles.append('b')\nfiles += ['c']\n"
        "meta['k'] = 2\nmeta['new'] = [1, 2]\nlocal = {}\nlocal['z'] = 1\nfirst, second = files[:2]",
        data,
    )
    assert data["counter"] == 20
    assert data["text"] == "abc"
    assert data["files"] == ["a", "b", "c"]
    assert data["meta"] == {"k": 2, "new": [1, 2]}
    assert data["local"] == {"z": 1}
    assert (data["first"], data["second"]) == ("a", "b")


def test_helpers_are_called_with_keyword_args_and_not_left_in_task_data():
    calls = []

    def register_document(department_code=None):
        calls.append(department_code)
        return "REG-1"

    env = SandboxedEnvironment({"register_document": register_document})
    data = {"x": 1}
    script = "numar = register_document(department_code='JUR')\ndef local_fn():\n    return 1\nz = local_fn()"
    env.execute(script, data)
    assert calls == ["JUR"]
    assert data == {"x": 1, "numar": "REG-1", "z": 1}  # no helper, function, builtin or guard


def test_task_data_shadowing_a_helper_is_refused():
    env = SandboxedEnvironment({"remind": lambda: None})
    with pytest.raises(ValueError, match="remind"):
        env.execute("y = 1", {"remind": True})


def test_del_removes_task_data_and_sandbox_objects_never_land_in_it(env):
    data = {"tmp": 1, "keep": 2}
    env.execute("del tmp\nm = math\nfloor = math.floor(2.5)\nprint('salut')\nout = printed", data)
    assert data == {"keep": 2, "floor": 2, "out": "salut\n"}


def test_failed_script_does_not_write_back(env):
    data = {"x": 1}
    with pytest.raises(ZeroDivisionError):
        env.execute("y = 2\nz = 1 / 0", data)
    assert data == {"x": 1}


def test_writes_are_limited_to_lists_and_dicts(env):
    with pytest.raises(TypeError, match="only change lists and dictionaries"):
        env.execute("text[0] = 'b'", {"text": "abc"})


# --- escapes ----------------------------------------------------------------------------------------------

ESCAPES = [
    "import os",
    "from os import system",
    '__import__("os")',
    "().__class__.__bases__[0].__subclasses__()",
    'open("/etc/passwd")',
    'eval("1")',
    'exec("x=1")',
    'getattr(x, "__class__")',
    '"{0.__class__}".format(1)',
    "x._private",
    "globals()",
    "type(1)",
    "class A:\n    pass",
    "lambda: 0 .__class__",
    'f"{x.__class__}"',
]


@pytest.mark.parametrize("script", ESCAPES)
def test_escapes_are_refused_at_check_time_and_at_run_time(env, script):
    errors = check_script(script, "exec")
    assert errors and all(isinstance(e, str) and e.startswith("Line ") for e in errors)
    data = {"x": 1}
    with pytest.raises(ScriptRejected) as info:
        env.execute(script, data)
    assert info.value.errors == errors
    assert data == {"x": 1}


@pytest.mark.parametrize("expression", [e for e in ESCAPES if "\n" not in e and "import " not in e])
def test_escapes_are_refused_in_conditions_too(env, expression):
    assert check_script(expression, "eval")
    with pytest.raises(ScriptRejected):
        env.evaluate(expression, {"x": 1})


def test_runtime_guards_hold_even_without_the_compile_check():
    # Defence in depth: the guards the compiled code calls refuse what the checker would have caught.
    run = script_guards._Run(1.0, 1000)
    with pytest.raises(NotImplementedError):
        run.getattr("{0.__class__}", "format")
    with pytest.raises(AttributeError):
        run.getattr(1, "__class__")
    with pytest.raises(AttributeError):
        run.getattr(1, "no_such_attribute")
    builtins = script_guards._BUILTINS
    for name in ("open", "eval", "exec", "getattr", "type", "globals", "__import__", "__build_class__"):
        assert name not in builtins


def test_syntax_errors_are_reported_in_plain_words():
    errors = check_script("x = = 1", "exec")
    assert len(errors) == 1 and errors[0].startswith("Line 1: SyntaxError")
    assert check_script("", "exec") == []
    assert check_script("  ", "eval") == ["the expression is empty"]


@pytest.mark.parametrize(
    "source",
    ["+".join(["a"] * 20000), "x = " + "(" * 300 + "1" + ")" * 300, "a\0b", "x = 1\n" * 30000],
)
def test_pathological_sources_get_errors_not_crashes(source):
    errors = check_script(source, "exec")
    assert errors and all(len(e) <= 300 for e in errors)


# --- budgets ----------------------------------------------------------------------------------------------


def _noop_trace(frame, event, arg):
    return None


def test_infinite_loop_is_stopped_quickly_and_trace_function_is_kept(env):
    previous = sys.gettrace()
    sys.settrace(_noop_trace)
    try:
        started = time.monotonic()
        with pytest.raises(ScriptLimitExceeded, match="time budget"):
            env.execute("while True: pass", {})
        assert time.monotonic() - started < 5
        assert sys.gettrace() is _noop_trace
    finally:
        sys.settrace(previous)


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    pass",
        "try:\n    while True: pass\nexcept Exception:\n    caught = 1\n    while True: pass",
        "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass",
        "try:\n    while True: pass\nfinally:\n    while True: pass",
        "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nr = f(60)",
        "f = lambda n: 1 if n == 0 else f(n - 1) + f(n - 1)\nr = f(60)",
        "r = sum(1 for a in range(1000) for b in range(1000))",
        "r = [a for a in range(1000) for b in range(1000)]",
        "def gen():\n    while True:\n        yield 1\nr = sum(gen())",
        "r = sorted(range(1000), key=lambda v: [w for w in range(1000)])",
    ],
)
def test_budget_cannot_be_dodged(env, script):
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded):
        env.execute(script, {})
    assert time.monotonic() - started < 5


def test_wall_clock_budget():
    env = SandboxedEnvironment(time_limit=0.2, max_steps=10**12)
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match=r"time budget: ran longer than 0.2 s"):
        env.execute("n = 0\nwhile True:\n    n += 1", {})
    assert time.monotonic() - started < 2


def test_helper_swallowing_the_limit_does_not_save_the_script():
    def swallow(fn):
        try:
            fn()
        except Exception:  # noqa: BLE001 - a careless helper
            return "swallowed"

    env = SandboxedEnvironment({"swallow": swallow}, max_steps=1000)
    with pytest.raises(ScriptLimitExceeded):
        env.execute("def spin():\n    while True: pass\nswallow(spin)\nr = 1", {})


def test_normal_loops_fit_the_budget(env):
    data = {"items": list(range(1000))}
    script = "total = 0\nfor i in items:\n    if i % 2:\n        total += i\nsq = [i * i for i in range(100)]"
    env.execute(script, data)
    assert data["total"] == 250000
    assert data["sq"][-1] == 9801


@pytest.mark.parametrize(
    "script",
    [
        "n = 10**9\ns = 'x' * n",
        "n = 10**9\ns = [0] * n",
        "n = 10**9\ns = 'ab'.ljust(n)",
        "n = 10**9\ns = '%*d' % (n, 1)",
        "s = '%1000000000d' % 1",
        "n = 10**9\ns = f'{1:>{n}}'",
        "s = f'{1.5:.1000000000f}'",
        "n = 10**9\nx = 2 ** n",
        "n = 10**9\nx = pow(2, n)",
        "n = 10**9\nx = 1 << n",
        "x = round(5, -10**9)",
        "x = range(10**9)",
        "s = 'x' * 1000\ns = s.replace('x', s)\ns = s.replace('x', s)",
        "s = 'x' * 1000\nt = ''.join([s] * 10000)",
        "s = 'x' * 1000\nt = str.join('', [s] * 10000)",
        "l = [1]\nfor i in range(40):\n    l.extend(l)",
        "l = [1]\nfor i in range(40):\n    l += l",
        "s = 'x'\nfor i in range(40):\n    s = s + s",
        "keep = []\nwhile True:\n    keep.append('x' * 1000000)",
        "l = [1]\nfor i in range(40):\n    l = [*l, *l]",
        "l = [1]\nfor i in range(40):\n    l[len(l):] = l",
    ],
)
def test_huge_allocations_are_refused(env, script):
    with pytest.raises(ScriptLimitExceeded):
        env.execute(script, {})


def test_sum_adds_numbers_only(env):
    with pytest.raises(TypeError, match="numbers only"):
        env.execute("l = [[0] * 1000] * 100000\nflat = sum(l, [])", {})


def test_list_item_and_slice_changes_still_work(env):
    data = {"l": [1, 2, 3]}
    env.execute("l[0] = 5\nl[1:2] = [8, 9]\ndel l[-1]\nm = [*l, 0]", data)
    assert data == {"l": [5, 8, 9], "m": [5, 8, 9, 0]}


def test_constant_huge_values_are_refused_at_check_time():
    assert check_script('s = "x" * 10**9', "exec")
    assert check_script("[0] * 10**9", "eval")
    assert check_script("2 ** 10**9", "eval")
    assert check_script('"x" * 10**5', "eval") == []


# --- SpiffWorkflow end to end -----------------------------------------------------------------------------


def _route(script: str, condition: str = "y &gt; 5") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="route" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="double" name="Double" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="low">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>high</bpmn:outgoing><bpmn:outgoing>low</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_high"><bpmn:incoming>high</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_low"><bpmn:incoming>low</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="double"/>
    <bpmn:sequenceFlow id="f2" sourceRef="double" targetRef="gw"/>
    <bpmn:sequenceFlow id="high" sourceRef="gw" targetRef="end_high">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="low" sourceRef="gw" targetRef="end_low"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def _start(xml: bytes, x, helpers=None) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml)
    engine = make_script_engine(helpers)
    assert isinstance(engine, PythonScriptEngine)
    workflow = BpmnWorkflow(parser.get_spec("route"), script_engine=engine)
    (start,) = workflow.get_tasks(state=TaskState.READY)
    start.data["x"] = x
    return workflow


def _completed_ids(workflow: BpmnWorkflow) -> set:
    return {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)} - {None}


@pytest.mark.parametrize("x, end, other", [(4, "end_high", "end_low"), (2, "end_low", "end_high")])
def test_route_runs_in_the_sandbox(x, end, other):
    workflow = _start(_route("y = x * 2"), x)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    completed = _completed_ids(workflow)
    assert {"start", "double", "gw", end} <= completed
    assert other not in completed
    assert workflow.data == {"x": x, "y": x * 2}


def test_route_script_can_call_helpers():
    seen = []
    helpers = {"double_of": lambda factor: seen.append(factor) or 2}
    workflow = _start(_route("y = x * double_of(factor=2)"), 3, helpers)
    workflow.do_engine_steps()
    assert workflow.is_completed() and seen == [2]
    assert workflow.data == {"x": 3, "y": 6}


def test_route_with_import_fails_as_workflow_task_exception():
    workflow = _start(_route("import os\ny = x"), 4)
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert isinstance(info.value.__cause__, ScriptRejected)
    assert info.value.task.task_spec.bpmn_id == "double"
    assert "import" in str(info.value)
    assert info.value.line_number == 1
    assert not workflow.is_completed()


def test_route_script_error_reports_its_line():
    workflow = _start(_route("y = x\nz = y / 0"), 4)
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert info.value.line_number == 2
    assert info.value.error_line == "z = y / 0"
    assert "ZeroDivisionError" in str(info.value)


def test_route_condition_over_budget_fails_as_workflow_task_exception():
    workflow = _start(_route("y = x", condition="sum(1 for a in range(1000) for b in range(1000)) &gt; 0"), 4)
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert isinstance(info.value.__cause__, ScriptLimitExceeded)
    assert "time budget" in str(info.value)
