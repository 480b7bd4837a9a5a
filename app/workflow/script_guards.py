"""The runtime guards a compiled script runs with: the step and time budget, memory estimates for operations that
widen values, the vetted builtins. See sandbox.py for the design."""

from __future__ import annotations

import logging
import math
import operator
import re
import time
import types
from collections.abc import Callable, Iterable
from typing import Any

from RestrictedPython import safe_builtins, utility_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr_raise

from app.workflow.script_policy import (
    _CLOCK_EVERY,
    MAX_ITEMS,
    MAX_PRINTED,
    MAX_RANGE,
    MAX_TOTAL_ITEMS,
    ScriptLimitExceeded,
    _check_int_bits,
    _check_items,
    _check_pow,
)

logger = logging.getLogger(__name__)

# --- runtime guards ----------------------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)


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
