"""What a BPMN script may be: the limits, the compile-time policy (RestrictedPython plus our own refusals) and the
cached compilation every script and expression goes through. The runtime guards are in script_guards.py, the engine
environment in sandbox.py (whose docstring explains the whole design)."""

from __future__ import annotations

import ast
import functools
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

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


# --- limits checked at compile time (constant folding) and at run time (script_guards) ---


def _check_items(count: int, error: type[Exception] = ScriptLimitExceeded) -> None:
    if count > MAX_ITEMS:
        raise error(f"a value of {count:,} items or characters is too large (limit {MAX_ITEMS:,})")


def _check_int_bits(bits: int, error: type[Exception] = ScriptLimitExceeded) -> None:
    if bits > MAX_INT_BITS:
        raise error(f"a number of about {bits:,} bits is too large (limit {MAX_INT_BITS:,})")


def _check_pow(base: Any, exponent: Any, error: type[Exception] = ScriptLimitExceeded) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        _check_int_bits(exponent * base.bit_length(), error)
