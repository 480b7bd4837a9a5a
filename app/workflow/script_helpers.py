"""The helpers BPMN scripts may call, as the packages that own them register them.

The engine imports no domain package: each package's `init_app` registers its helpers here by name, with beside
each the side-effect-free stand-in the scenario runner (app/workflow/scenarios.py) calls instead. A production
helper is bound to one engine run (`bind(ctx)`, ctx a `runtime.RunContext`); a stand-in to one scenario run
(`stand_in(run)`, run the runner's state: its in-memory document, clock and lookups). The route helpers (dates,
deadlines, lookups: builtin_helpers.py) belong to the engine and are always there."""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from app.workflow.builtin_helpers import DatabaseEnv, bind_route_helpers


@dataclass(frozen=True)
class ScriptHelper:
    name: str
    bind: Callable  # (ctx) -> the function scripts call in production
    stand_in: Callable | None = None  # (scenario run) -> the function scenario tests call
    replay: Callable | None = None  # (replay's stand-ins, app/auditors/replay.py) -> what replay calls


_HELPERS: dict[str, ScriptHelper] = {}


def register_helper(
    name: str, bind: Callable, stand_in: Callable | None = None, replay: Callable | None = None
) -> None:
    """Offer `name` to scripts. Registering the same name again replaces it (init_app may run once per app).
    A helper without a replay stand-in refuses to run in replay, so replay can never have an effect."""
    _HELPERS[name] = ScriptHelper(name, bind, stand_in, replay)


def _current_user(ctx):
    def current_user() -> str | None:
        """The username of the person whose step started this script (e.g. the head who approved)."""
        return ctx.actor.username if ctx.actor else None

    return current_user


def _current_user_stand_in(run):
    return lambda: run.actor


register_helper("current_user", _current_user, _current_user_stand_in, lambda replay: lambda: replay.actor)


def registered() -> dict[str, ScriptHelper]:
    return dict(_HELPERS)


def helper_names() -> set[str]:
    """Every name scripts can call in production (the route helpers included)."""
    return set(bind_route_helpers(SimpleNamespace(document=None))) | set(_HELPERS)


def bind_helpers(ctx) -> dict:
    """The production helpers for one engine run."""
    return {**bind_route_helpers(DatabaseEnv(ctx)), **{n: h.bind(ctx) for n, h in _HELPERS.items()}}


def stand_ins(run, env) -> dict:
    """The scenario runner's helpers: the route helpers over its in-memory `env`, and every stand-in."""
    return {
        **bind_route_helpers(env),
        **{n: h.stand_in(run) for n, h in _HELPERS.items() if h.stand_in is not None},
    }


def replay_stand_ins(replay) -> dict:
    """The registered helpers' replay stand-ins, bound to one replay (the auditors' StandIns)."""
    return {n: h.replay(replay) for n, h in _HELPERS.items() if h.replay is not None}
