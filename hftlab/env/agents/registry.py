"""The one registry of agent types: each type is a record, a new type is one module plus one :func:`register`.

A record (:class:`AgentType`) says everything the market needs of a type:

* ``category`` — ``"execution"`` (carries a buy / sell task of ``params.exec_qty`` shares,
  completed by a market order at the deadline), ``"quoting"`` (two-sided quotes, inventory
  unwound at the end) or ``"other"`` (neither, e.g. noise traders);
* ``act(inp: AgentInput) -> Orders`` — the desired orders of all agents of the type this step:
  the *decode* of a learning type (action → orders, ``inp.action``) or the policy of a
  fixed type;
* ``reward(out: Outcome) -> (n,)`` and ``metrics(out: Outcome) -> {name: (n,)}`` — after
  the step (``metrics`` are the episode's so far: the finished episode's on its last step);
* learning types also ``observe(inp) -> (n, obs_size)``, ``num_actions(cfg)`` and
  ``obs_size(cfg)`` — a type with ``observe`` is a learning type: its actions come from
  outside the environment;
* ``defaults`` — the type's own parameters and their defaults, found in
  ``params.agent[name][param]`` (traced: another value needs no recompilation);
* ``slots`` — resting orders per agent (1, or 2 for a bid and an ask).

An unknown or incomplete type is a one-line :class:`~hftlab.errors.InputError` when the
configuration is built, never a silent stand-in. The built-in types are registered by
:mod:`hftlab.env.agents.builtin` when the package :mod:`hftlab.env.agents` is imported
(before this module can be used); README "Extending hftlab" adds one in a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from hftlab.errors import InputError
from hftlab.registry import Registry

CATEGORIES = ("execution", "quoting", "other")


class AgentInput(NamedTuple):
    """What a type's ``act`` / ``observe`` get, for its ``n`` agents (arrays over agents, shape ``(n,)``)."""

    n: int  # agents of the type (static)
    t: Any  # step within the episode (0-based)
    T: int  # steps per episode (static)
    view: Any  # the market view (hftlab.env.agents.common.View)
    inv: Any  # shares held
    cash: Any  # cash in ticks relative to ``ref``
    side: Any  # task side (+1 buy / -1 sell) of execution types, 0 otherwise
    executed: Any  # side * inv: task shares done so far (execution types)
    remaining: Any  # task shares left (execution types), 0 otherwise
    rest_qty: Any  # (n, slots) resting quantity of each order slot
    rest_price: Any  # (n, slots)
    queue_ahead: Any  # (n, slots) shares resting ahead of each order in its queue (price, then time)
    last_fill: Any  # signed shares filled in the last step
    arrival: Any  # arrival mid of the episode
    volume: Any  # shares the historical flow traded (executions) since the episode began
    params: Any  # EnvParams
    own: dict  # params.agent[name]: the type's own parameters
    config: Any  # EnvConfig
    action: Any  # (n,) actions of a learning type, None for a fixed type
    key: Any  # PRNG key for this type this step


class Outcome(NamedTuple):
    """What a type's ``reward`` / ``metrics`` get after the step, for its ``n`` agents."""

    d_inv: Any  # shares filled this step (signed)
    d_cash: Any  # cash change this step (ticks relative to ``ref``)
    inv: Any  # shares after the step
    cash: Any  # cash after the step
    inv_before: Any  # shares before the step
    side: Any
    vwap: Any  # the step's market VWAP (historical executions; the mid if none)
    ref: Any  # reference price of the episode's cash
    arrival: Any
    tick: Any
    value_old: Any  # mark-to-mid value before / after the step (price units)
    value_new: Any
    t: Any  # steps done, this one included
    sums: dict  # running sums over the episode: inv, inv_sq, ret, ret_sq, bought, sold
    params: Any
    own: dict
    config: Any


@dataclass(frozen=True)
class AgentType:
    """One agent type (module docstring)."""

    name: str
    category: str
    act: Callable
    reward: Callable
    metrics: Callable
    observe: Callable | None = None
    num_actions: Callable | None = None
    obs_size: Callable | None = None
    action_labels: Callable | None = None
    defaults: tuple = ()  # ((param, default), ...)
    slots: int = 1
    doc: str = ""

    @property
    def learning(self) -> bool:
        return self.observe is not None

    def check(self) -> None:
        def bad(msg):
            raise InputError(f"agent type {self.name!r}: {msg}")

        if not isinstance(self.name, str) or not self.name.isidentifier():
            bad("its name must be an identifier")
        if self.category not in CATEGORIES:
            bad(f"unknown category {self.category!r} (choose from {', '.join(CATEGORIES)})")
        for f in ("act", "reward", "metrics"):
            if not callable(getattr(self, f)):
                bad(f"{f} must be a function")
        learn = [getattr(self, f) is not None for f in ("observe", "num_actions", "obs_size")]
        if any(learn) and not all(learn):
            bad("a learning type needs observe, num_actions and obs_size (all three)")
        if self.slots not in (1, 2):
            bad(f"slots must be 1 or 2 (got {self.slots!r})")
        if self.category == "quoting" and self.slots != 2:
            bad("a quoting type has two order slots (bid, ask)")
        try:
            params = dict(self.defaults)
        except (TypeError, ValueError):
            bad("defaults must be (name, value) pairs")
        if any(not isinstance(k, str) or not isinstance(v, (int, float)) for k, v in params.items()):
            bad("defaults must map parameter names to numbers")


AGENT_TYPES = Registry("agent type")
register, get, names = AGENT_TYPES.register, AGENT_TYPES.get, AGENT_TYPES.names
all_types = AGENT_TYPES.records
