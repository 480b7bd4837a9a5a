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

import ast
import functools
import logging
import math
import operator
import re
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins, utility_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr_raise
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

logger = logging.getLogger(__name__)

MAX_ITEMS = 1_000_000  # characters of one string / items of one list produced by a guarded operation
MAX_TOTAL_ITEMS = 50_000_000  # everything guarded operations produce during one run
MAX_INT_BITS = 100_000  # about 30,000 decimal digits; far beyond any date or amount arithmetic
MAX_RANGE = 100_000
MAX_PRINTED = 10_000  # characters of print() output kept for the script's `printed`
_CLOCK_EVERY = 128  # ticks between clock reads: perf_counter is cheap but not free

# Our compiled code carries its own file name so error line numbers are found only in script frames
# (dataclass-generated methods, for one, also run from "<string>").
SCRIPT_FILENAME = "<bpmn-script>"

FORBIDDEN_NAMES = frozenset(
    {
        "exec",
        "eval",
        "open",
        "compile",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "__import__",
        "breakpoint",
        "input",
        "help",
        "memoryview",
        "type",
        "dir",
        "super",
    }
)
# str.format / format_map read attributes by name inside the format string ("{0.__class__}").
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map"})


class ScriptRejected(Exception):
    """The script or expression does not compile under the sandbox policy."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__("script refused: " + "; ".join(self.errors))


class ScriptLimitExceeded(Exception):
    """The script ran out of its step, time or size budget."""


# --- compile-time policy ---------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


def _fold(node: ast.AST) -> tuple[str, int] | None:
    """Abstract value of a constant expression: ("int", value) or ("seq", length); None when not constant.
    Never builds the large value itself."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int):
            return ("int", int(node.value))
        if isinstance(node.value, (str, bytes)):
            return ("seq", len(node.value))
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        return ("seq", len(node.elts))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _fold(node.operand)
        return ("int", -inner[1]) if inner and inner[0] == "int" else None
    if not isinstance(node, ast.BinOp):
        return None
    left, right = _fold(node.left), _fold(node.right)
    if left is None or right is None:
        return None
    kinds = (left[0], right[0])
    a, b = left[1], right[1]
    if isinstance(node.op, ast.Mult):
        if kinds == ("int", "int"):
            _check_int_bits(a.bit_length() + b.bit_length(), _TooLarge)
            return ("int", a * b)
        if "seq" in kinds and "int" in kinds:
            length = (a if kinds[0] == "seq" else b) * max(b if kinds[0] == "seq" else a, 0)
            _check_items(length, _TooLarge)
            return ("seq", length)
    elif isinstance(node.op, ast.Pow) and kinds == ("int", "int"):
        if b < 0:
            return None
        _check_pow(a, b, _TooLarge)
        return ("int", a**b)
    elif isinstance(node.op, ast.LShift) and kinds == ("int", "int") and b >= 0:
        _check_int_bits(a.bit_length() + b if a else 0, _TooLarge)
        return ("int", a << b)
    elif isinstance(node.op, ast.Add) and kinds[0] == kinds[1]:
        if kinds[0] == "int":
            return ("int", a + b)
        _check_items(a + b, _TooLarge)
        return ("seq", a + b)
    return None


class _PolicyChecker(ast.NodeVisitor):
    """Our refusals, on top of RestrictedPython's (which already covers "_" names and attributes)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def _error(self, node: ast.AST, message: str) -> None:
        self.errors.append(f"Line {getattr(node, 'lineno', '?')}: {message}")

    def visit_Import(self, node: ast.Import) -> None:
        self._error(node, "import statements are not allowed; scripts can only use the provided helpers")

    visit_ImportFrom = visit_Import  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        # Instances would not survive task data serialization, and classes open dunder-method tricks.
        self._error(node, "class definitions are not allowed in scripts")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        # "_" names are reported by RestrictedPython already.
        if node.id in FORBIDDEN_NAMES and not node.id.startswith("_"):
            self._error(node, f'"{node.id}" is not available in scripts')

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval"):
            # RestrictedPython reports "Exec/Eval calls are not allowed"; do not say it twice.
            for child in [*node.args, *node.keywords]:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in FORBIDDEN_NAMES:
            self._error(node, f'"{node.name}" cannot be used as a function name')
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FORBIDDEN_ATTRIBUTES:
            self._error(
                node,
                f'".{node.attr}()" is not allowed (it can reach private attributes); '
                "use an f-string or the % operator",
            )
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        try:
            _fold(node)
        except _TooLarge as exc:
            self._error(node, f"{exc} (constant expression)")
            return
        self.generic_visit(node)


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    ast.copy_location(call, like)
    ast.copy_location(call.func, like)
    return call


def _tick_statement(like: ast.AST) -> ast.Expr:
    return ast.copy_location(ast.Expr(value=_call("_tick_", [], like)), like)


_BINOP_GUARDS = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Mod: "_mod_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
}


class _SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus runtime guards: ticks in every loop, function, lambda and handler, and
    size checks on the operators that can build huge values. The names it inserts start with "_", which
    scripts can never write themselves, so they cannot be shadowed."""

    def visit_Module(self, node: ast.Module) -> Any:
        return ast.fix_missing_locations(super().visit_Module(node))

    def visit_Expression(self, node: ast.Expression) -> Any:
        return ast.fix_missing_locations(super().visit_Expression(node))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = super().visit_BinOp(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        return node if guard is None else _call(guard, [node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = super().visit_FormattedValue(node)
        if node.format_spec is not None:  # f"{x:>1000000000}" would allocate before anything could stop it
            conversion = ast.copy_location(ast.Constant(node.conversion), node)
            node.value = _call("_format_", [node.value, conversion, node.format_spec], node.value)
            node.conversion = -1
            node.format_spec = None
        return node

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = super().visit_Starred(node)
        if isinstance(node.ctx, ast.Load):  # [*l, *l] doubles a list like l + l does
            node.value = _call("_star_", [node.value], node.value)
        return node

    def _tick_body(self, node: Any) -> Any:
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        return self._tick_body(super().visit_While(node))

    def visit_For(self, node: ast.For) -> Any:
        return self._tick_body(super().visit_For(node))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        return self._tick_body(super().visit_FunctionDef(node))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        # Once the budget is blown the tick raises again: catching ScriptLimitExceeded does not help.
        return self._tick_body(super().visit_ExceptHandler(node))

    def visit_Try(self, node: ast.Try) -> Any:
        node = super().visit_Try(node)
        if node.finalbody:
            node.finalbody.insert(0, _tick_statement(node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        # `_tick_() or body`: the tick returns None, so the lambda still returns its body's value.
        node.body = ast.copy_location(
            ast.BoolOp(op=ast.Or(), values=[_call("_tick_", [], node.body), node.body]), node.body
        )
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = super().visit_comprehension(node)
        node.iter = _call("_tick_iter_", [node.iter], node.iter)
        return node


@dataclass(frozen=True)
class _Compiled:
    code: types.CodeType | None
    errors: tuple[str, ...]
    used_names: frozenset[str]


MAX_SOURCE_CHARS = 100_000
_CACHED_SOURCE_CHARS = 20_000  # longer sources are compiled each time rather than pinned in the cache
_MAX_ERROR_CHARS = 300


def _compile(source: str, mode: str) -> _Compiled:
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    if not isinstance(source, str):
        raise TypeError("script source must be a str")
    if len(source) > _CACHED_SOURCE_CHARS:
        return _compile_uncached(source, mode)
    return _compile_cached(source, mode)


def _compile_uncached(source: str, mode: str) -> _Compiled:
    if len(source) > MAX_SOURCE_CHARS:
        return _Compiled(None, (f"the script is longer than {MAX_SOURCE_CHARS:,} characters",), frozenset())
    # Conditions come out of XML with surrounding whitespace, which eval mode would call an indent error.
    text = source.strip() if mode == "eval" else source
    if mode == "eval" and not text:
        return _Compiled(None, ("the expression is empty",), frozenset())
    checker = _PolicyChecker()
    try:
        try:
            checker.visit(ast.parse(text, SCRIPT_FILENAME, mode))
        except SyntaxError:
            pass  # RestrictedPython reports it, with the line
        compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compile_restricted(text, filename=SCRIPT_FILENAME, policy=_SandboxTransformer)
    except RecursionError:  # a+a+a+... thousands of times: the parser and the policy recurse per level
        return _Compiled(None, ("the script is too deeply nested to check",), frozenset())
    errors = tuple(_shorten(e) for e in (*result.errors, *checker.errors))
    return _Compiled(None if errors else result.code, errors, frozenset(result.used_names))


_compile_cached = functools.lru_cache(maxsize=4096)(_compile_uncached)


def _shorten(message: str) -> str:
    # RestrictedPython quotes the whole statement in syntax errors.
    return message if len(message) <= _MAX_ERROR_CHARS else message[: _MAX_ERROR_CHARS - 1] + "…"


def check_script(source: str, mode: str) -> list[str]:
    """Problems that keep `source` from running in the sandbox, in plain language; empty list = fine.
    mode: "exec" for script tasks and pre/post scripts, "eval" for conditions, timer and assignee
    expressions."""
    return list(_compile(source, mode).errors)


def _compiled_or_raise(source: str, mode: str) -> _Compiled:
    compiled = _compile(source, mode)
    if compiled.errors:
        raise ScriptRejected(compiled.errors)
    return compiled


# --- runtime guards ----------------------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _check_items(count: int, error: type[Exception] = ScriptLimitExceeded) -> None:
    if count > MAX_ITEMS:
        raise error(f"a value of {count:,} items or characters is too large (limit {MAX_ITEMS:,})")


def _check_int_bits(bits: int, error: type[Exception] = ScriptLimitExceeded) -> None:
    if bits > MAX_INT_BITS:
        raise error(f"a number of about {bits:,} bits is too large (limit {MAX_INT_BITS:,})")


def _check_pow(base: Any, exponent: Any, error: type[Exception] = ScriptLimitExceeded) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        _check_int_bits(exponent * base.bit_length(), error)


def _guarded_pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if modulo is not None:
        return pow(base, exponent, modulo)  # modular powers stay small
    _check_pow(base, exponent)
    return base**exponent


def _check_lshift(value: Any, shift: Any) -> None:
    if isinstance(value, int) and isinstance(shift, int) and value and shift > 0:
        _check_int_bits(value.bit_length() + shift)


def _guarded_lshift(value: Any, shift: Any) -> Any:
    _check_lshift(value, shift)
    return value << shift


def _guarded_round(number: Any, ndigits: Any = None) -> Any:
    # round(5, -10**9) computes 10**(10**9) first.
    if isinstance(ndigits, int) and abs(ndigits) > 1000:
        raise ScriptLimitExceeded("round(): ndigits is too large")
    return round(number) if ndigits is None else round(number, ndigits)


def _guarded_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    # sum(lists, []) concatenates in C, quadratically and without our size checks.
    if isinstance(start, _SEQUENCES):
        raise TypeError("sum() adds numbers only in scripts; join strings with ''.join() and lists with +")
    return sum(iterable, start)


def _bounded_range(*args: int) -> range:
    result = range(*args)
    _check_items(len(result))
    if len(result) > MAX_RANGE:
        raise ScriptLimitExceeded(f"range() of {len(result):,} numbers is too large (limit {MAX_RANGE:,})")
    return result


_DIGITS = re.compile(r"\d+")
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_widths(numbers: Iterable[str]) -> None:
    for digits in numbers:
        if len(digits) > 7 or int(digits) > MAX_ITEMS:
            raise ScriptLimitExceeded(f"a format width of {digits[:12]} is too large (limit {MAX_ITEMS:,})")


def _check_printf(template: str | bytes, args: Any) -> None:
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    star = False
    for width, precision in _PRINTF_FIELD.findall(text):
        star = star or "*" in (width, precision)
        _check_widths(d for d in (width, precision) if d and d != "*")
    if star:  # "%*d" % (10**9, 1): the width comes from the arguments
        for arg in args if isinstance(args, tuple) else (args,):
            if isinstance(arg, int) and abs(arg) > MAX_ITEMS:
                raise ScriptLimitExceeded("a format width taken from the arguments is too large")


class _ListWriter:
    """What `_write_` hands out for lists: slice assignment (l[len(l):] = l) can grow a list without any
    operator, so it is charged like extend()."""

    __slots__ = ("_target", "_run")

    def __init__(self, target: list, run: _Run):
        self._target = target
        self._run = run

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = self._run.charge_items(value, len(self._target))
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


def _apply(func: Callable, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


class _CappedPrinter:
    """Stands in for RestrictedPython's PrintCollector: keeps at most MAX_PRINTED characters (a printing loop
    must not fill memory) and logs what is printed at DEBUG level."""

    def __init__(self, _getattr_: Any = None):
        self._parts: list[str] = []
        self._size = 0

    def _call_print(self, *objects: Any, sep: Any = " ", end: Any = "\n", **_ignored: Any) -> None:
        sep = " " if sep is None else str(sep)
        text = sep.join(str(o) for o in objects) + ("\n" if end is None else str(end))
        room = MAX_PRINTED - self._size
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(len(text), room)
        logger.debug("BPMN script printed: %s", text[:1000].rstrip())

    def __call__(self) -> str:
        return "".join(self._parts)


_MATH = types.SimpleNamespace(
    **{
        name: getattr(math, name)
        for name in (
            "ceil",
            "floor",
            "trunc",
            "sqrt",
            "isqrt",
            "fabs",
            "fsum",
            "gcd",
            "isclose",
            "isfinite",
            "isinf",
            "isnan",
            "log",
            "log2",
            "log10",
            "exp",
            "copysign",
            "fmod",
            "modf",
            "hypot",
            "pow",
            "pi",
            "e",
            "tau",
            "inf",
            "nan",
        )
    }
)  # no factorial/comb/perm/prod: single C calls that can run for minutes
_STRING = utility_builtins["string"]  # the string module without string.Formatter


def _build_builtins() -> dict[str, Any]:
    # __build_class__: no classes. setattr/delattr/id: not needed. The BaseException family outside
    # Exception would only help a script swallow what stops it.
    dropped = {
        "__build_class__",
        "_getattr_",
        "setattr",
        "delattr",
        "id",
        "BaseException",
        "GeneratorExit",
        "KeyboardInterrupt",
        "SystemExit",
    }
    builtins = {name: value for name, value in safe_builtins.items() if name not in dropped}
    for name in ("set", "frozenset", "same_type", "test", "reorder"):  # not random: shared process state
        builtins[name] = utility_builtins[name]
    builtins.update(
        string=_STRING,
        math=_MATH,
        len=len,
        min=min,
        max=max,
        sum=_guarded_sum,
        sorted=sorted,
        reversed=reversed,
        any=any,
        all=all,
        enumerate=enumerate,
        zip=zip,
        map=map,
        filter=filter,
        abs=abs,
        divmod=divmod,
        str=str,
        int=int,
        float=float,
        bool=bool,
        list=list,
        dict=dict,
        tuple=tuple,
        isinstance=isinstance,
        range=_bounded_range,
        pow=_guarded_pow,
        round=_guarded_round,
    )
    return builtins


_BUILTINS = _build_builtins()

_STATIC_GLOBALS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": _apply,
    "_print_": _CappedPrinter,
    "_pow_": _guarded_pow,
    "_lshift_": _guarded_lshift,
}

_WIDENING_METHODS = frozenset(
    {
        "ljust",
        "rjust",
        "center",
        "zfill",
        "expandtabs",
        "replace",
        "join",
        "translate",
        "extend",
    }
)
_WIDENING_TYPES = (str, bytes, bytearray, list)

_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}


class _Run:
    """Budget and stateful guards of one evaluation or execution."""

    __slots__ = ("max_steps", "time_limit", "deadline", "steps", "produced", "aborted")

    def __init__(self, time_limit: float, max_steps: int):
        self.max_steps = max_steps
        self.time_limit = time_limit
        self.deadline = time.perf_counter() + time_limit
        self.steps = 0
        self.produced = 0
        self.aborted: str | None = None

    def namespace_guards(self) -> dict[str, Any]:
        return {
            "_tick_": self.tick,
            "_tick_iter_": self.tick_iter,
            "_getattr_": self.getattr,
            "_add_": self.add,
            "_mul_": self.mul,
            "_mod_": self.mod,
            "_format_": self.format_value,
            "_inplacevar_": self.inplace,
            "_write_": self.write,
            "_star_": self.star,
        }

    def run(self, code: types.CodeType, namespace: dict[str, Any]) -> Any:
        # eval() of a code object also runs exec-mode code (and returns None).
        result = eval(code, namespace)  # noqa: S307 - compiled by RestrictedPython with our policy and guards
        if self.aborted:  # a helper swallowed the exception; the budget is still blown
            raise ScriptLimitExceeded(self.aborted)
        return result

    # time and steps

    def _abort(self, reason: str) -> None:
        self.aborted = reason
        raise ScriptLimitExceeded(reason)

    def tick(self) -> None:
        if self.aborted:
            raise ScriptLimitExceeded(self.aborted)
        self.steps += 1
        if self.steps > self.max_steps:
            self._abort(
                f"script exceeded its time budget: more than {self.max_steps:,} steps "
                "(loop iterations and function calls)"
            )
        if not self.steps % _CLOCK_EVERY and time.perf_counter() > self.deadline:
            self._abort(f"script exceeded its time budget: ran longer than {self.time_limit:g} s")

    def tick_iter(self, iterable: Iterable[Any]) -> Iterable[Any]:
        tick = self.tick
        for item in iterable:
            tick()
            yield item

    # sizes

    def charge(self, count: int) -> None:
        _check_items(count)
        self.produced += count
        if self.produced > MAX_TOTAL_ITEMS:
            self._abort(
                f"script exceeded its memory budget: it built more than {MAX_TOTAL_ITEMS:,} items "
                "or characters"
            )

    def charge_items(self, items: Any, existing: int = 0) -> Any:
        """Charge an iterable about to be copied into a list; returns it as a sized sequence."""
        if not isinstance(items, _SEQUENCES):
            items = list(items)
        _check_items(existing + len(items))
        self.charge(len(items))
        return items

    def star(self, items: Any) -> Any:
        return self.charge_items(items)

    def write(self, obj: Any) -> Any:
        # Scripts may change the lists and dicts of task data and their own; nothing else (objects from
        # helpers, strings, ...).
        if isinstance(obj, list):
            return _ListWriter(obj, self)
        if isinstance(obj, dict):
            return obj
        raise TypeError(f"scripts can only change lists and dictionaries, not {type(obj).__name__} objects")

    def _check_add(self, a: Any, b: Any) -> None:
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.charge(len(a) + len(b))

    def _check_mul(self, a: Any, b: Any) -> None:
        if isinstance(a, int):
            if isinstance(b, _SEQUENCES):
                self.charge(len(b) * max(a, 0))
            elif isinstance(b, int):
                _check_int_bits(a.bit_length() + b.bit_length())
        elif isinstance(b, int) and isinstance(a, _SEQUENCES):
            self.charge(len(a) * max(b, 0))

    def add(self, a: Any, b: Any) -> Any:
        self._check_add(a, b)
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        self._check_mul(a, b)
        return a * b

    def mod(self, a: Any, b: Any) -> Any:
        if isinstance(a, (str, bytes)):
            _check_printf(a, b)
        return a % b

    def inplace(self, op: str, a: Any, b: Any) -> Any:
        if op == "+=":
            self._check_add(a, b)
        elif op == "*=":
            self._check_mul(a, b)
        elif op == "**=":
            _check_pow(a, b)
        elif op == "<<=":
            _check_lshift(a, b)
        elif op == "%=" and isinstance(a, (str, bytes)):
            _check_printf(a, b)
        try:
            function = _INPLACE[op]
        except KeyError:
            raise TypeError(f"unsupported augmented assignment {op}") from None
        return function(a, b)

    def format_value(self, value: Any, conversion: int, spec: str) -> Any:
        if conversion == ord("s"):
            value = str(value)
        elif conversion == ord("r"):
            value = repr(value)
        elif conversion == ord("a"):
            value = ascii(value)
        _check_widths(_DIGITS.findall(spec))
        return format(value, spec)

    # attributes

    def getattr(self, obj: Any, name: str) -> Any:
        # safer_getattr refuses "_" names, frame/code attributes and str.format; we raise AttributeError for
        # missing attributes (safer_getattr's default would silently return None).
        value = safer_getattr_raise(obj, name)
        if name in _WIDENING_METHODS and (
            type(obj) in _WIDENING_TYPES or (isinstance(obj, type) and obj in _WIDENING_TYPES)
        ):
            return self._widening_wrapper(obj, name, value)
        return value

    def _widening_wrapper(self, obj: Any, name: str, method: Callable) -> Callable:
        run = self
        if isinstance(obj, type):  # str.join(sep, items): the target comes first

            def unbound(target: Any, *args: Any, **kwargs: Any) -> Any:
                return method(target, *run._precheck(name, target, args, kwargs), **kwargs)

            return unbound

        def bound(*args: Any, **kwargs: Any) -> Any:
            return method(*run._precheck(name, obj, args, kwargs), **kwargs)

        return bound

    def _precheck(self, name: str, target: Any, args: tuple, kwargs: dict) -> tuple:
        """Charge the size the call will produce; returns the arguments (an iterable may be materialized)."""
        if not isinstance(target, _WIDENING_TYPES):
            return args
        if name in ("ljust", "rjust", "center", "zfill"):
            if args and isinstance(args[0], int):
                self.charge(max(len(target), args[0]))
        elif name == "expandtabs":
            tabsize = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(tabsize, int):
                tab = "\t" if isinstance(target, str) else b"\t"
                self.charge(len(target) + target.count(tab) * max(tabsize, 0))
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], _SEQUENCES):
            old, new = args[0], args[1]
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            hits = target.count(old) if old else len(target) + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            self.charge(len(target) + hits * max(len(new) - len(old), 0))
        elif name == "join" and args:
            items = list(args[0])
            sizes = sum(len(item) for item in items if isinstance(item, _SEQUENCES))
            self.charge(sizes + len(target) * max(len(items) - 1, 0))
            return (items, *args[1:])
        elif name == "translate" and args and isinstance(args[0], dict):
            longest = max((len(v) for v in args[0].values() if isinstance(v, _SEQUENCES)), default=1)
            self.charge(len(target) * max(longest, 1))
        elif name == "extend" and args:
            return (self.charge_items(args[0], len(target)), *args[1:])
        return args


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
