"""Static configuration (:class:`EnvConfig`) and per-run parameters (:class:`EnvParams`) of the market.

``EnvConfig`` is a frozen, hashable dataclass: everything that fixes array shapes or code
paths (agents per type, action / observation variants, book capacity, messages per
step, episode length). It is validated at construction; a bad value raises
:class:`~hftlab.errors.InputError` with one line naming the field.

``EnvParams`` is a pytree (``flax.struct.dataclass``) passed to ``reset`` / ``step``: the
market data (flat messages, seed rows, window starts), the window range episodes sample
from (train vs held out = different params), task sizes and reward weights. Another day
with the same shapes runs through the same compiled code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.errors import InputError

EXECUTION_ACTIONS = ("qty_levels", "levels", "schedule")
MM_ACTIONS = ("ticks", "half_spread")
OBSERVATIONS = ("depth", "compact")
PENALTIES = ("quadratic", "linear", "none")
FILL_RULES = ("aggressive", "named")
LATENCY_UNITS = ("messages", "us")
MAX_LATENCY_US = 2**30  # microseconds of latency stay well inside int32 arithmetic

# agent order ids: AGENT_OID_BASE + agent * OID_STRIDE + counter (mod OID_STRIDE)
AGENT_OID_BASE = 1_600_000_000
OID_STRIDE = 1 << 20
MAX_AGENTS = (2**31 - 1 - AGENT_OID_BASE) // OID_STRIDE


@dataclass(frozen=True)
class EnvConfig:
    """Static configuration of :class:`hftlab.env.MarketEnv` (hashable; changes recompile).

    Attributes:
      agents: agents per type, ``{type: count}`` (a dict or ``(type, count)`` pairs; kept as
        pairs), in layout order (trader id = 1 + agent index). Types are records of the
        registry (:mod:`hftlab.env.agents.registry`): built in are ``execution``,
        ``market_making`` (learning: their actions come from outside), ``twap_near``,
        ``twap_far``, ``pov``, ``fixed_spread``, ``avellaneda_stoikov``, ``noise`` (fixed
        policies acting inside ``step``). An unknown type is an error here.
      messages_per_step: k historical messages replayed per environment step.
      episode_steps: T steps per episode (windows must hold ``T * k`` messages).
      capacity: order slots per book side (must exceed the data's peak plus agent orders).
      max_trades: trade rows recorded per agent message (an agent order sweeping more
        resting orders than this is executed but under-reported: ``info['trade_overflow']``).
      execution_actions: ``"qty_levels"`` (quantity x price level, + hold), ``"levels"``
        (the TWAP slice at one of the levels, + hold) or ``"schedule"`` (a multiple of the
        quantity the TWAP schedule says is due, at one of the levels: each TWAP baseline is
        one constant action).
      mm_actions: ``"ticks"`` (bid / ask offsets in ticks from the touch) or
        ``"half_spread"`` (offsets in multiples of the half-spread from the mid), each x sizes, + flatten.
      observation: ``"depth"`` (features + ``obs_levels`` of depth per side) or ``"compact"``.
      inventory_penalty: ``"quadratic"``, ``"linear"`` or ``"none"`` (weight in params).
      exec_qty_multiples: quantity choices of ``qty_levels`` in TWAP slices (ceil(Q / T)),
        or of ``schedule`` in multiples of the due quantity.
      mm_offsets: quote offsets (ticks, or half-spread multiples) for each side; a negative
        offset improves on the touch (variant ``ticks``: bid = best bid + |o| ticks, inside the
        spread, never crossing) — what a market maker on a wide spread needs.
      mm_size_multiples: quote sizes in units of ``params.mm_size``.
      fills: how historical executions meet agents' orders. ``"aggressive"`` (the market's
        rule): an execution is the aggressive order it records and fills better-priced or
        earlier agent orders first (:func:`hftlab.env.market.executions_meet_agents`);
        ``"named"``: it reduces only the historical order it names, so agents fill only
        from crossing limit orders — the rule of a plain replay, kept for comparison.
      latency: historical messages between an agent's decision and its orders reaching the
        book (0 ≤ latency < messages_per_step; default 0): in each step the first ``latency``
        messages of the step's block are replayed before the agents' orders (their resting
        orders can be filled by them), the rest after. The agents decide on the book as it
        stood at the start of the step. With ``latency_probs`` it is the smallest delay.
      latency_probs: a distribution of the delay, drawn per agent and step: the orders an
        agent sends in one step (its cancels and new orders, travelling together) reach the
        book after ``latency + j`` historical messages with probability ``latency_probs[j]``
        (``j = 0 .. len - 1``; they must sum to 1). ``()`` (default): every agent's orders
        wait exactly ``latency`` messages. Agents whose orders land at the same message
        arrive in agent order. :func:`latency_distribution` builds uniform and geometric
        ones. Each agent's delay of the step is ``info['agents']['latency']``.
      latency_unit: ``"messages"`` (default) or ``"us"``: ``latency`` and the delays
        ``latency_probs`` draws are then exchange microseconds. The agents' decision is
        stamped with the time of the step's first historical message; an agent's orders reach
        the book that many microseconds later and land after every message of the step stamped
        earlier (messages at the same time come after them). A wait of more than
        ``messages_per_step - obs_delay - 1`` messages is cut to that many: orders land within
        their step. ``info['agents']['latency']`` holds the messages each agent's orders waited.
      obs_delay: historical messages by which the market data the agents observe and act
        on (touch, mid, depth, imbalance, the shares ahead of their orders) lag the book:
        at the end of a step they see the book as it stood ``obs_delay`` messages before
        the step's last message. Their own inventory, cash and resting orders are known
        without delay, and rewards mark to the current book. Needs
        ``latency + len(latency_probs) - 1 + obs_delay < messages_per_step`` (max(0, len - 1)
        for an empty ``latency_probs``), so every order lands before the observation is taken.
      debug: put each step's agent messages in ``info['agent_messages']``, its historical
        block in ``info['historical_messages']``, the historical rows as replayed in
        ``info['replayed_messages']`` and every row in the order it went through the book in
        ``info['book_messages']`` (tests).
      allow_no_agents: permit a world of historical flow only (plain replay); otherwise
        zero agents is a configuration error.
    """

    agents: tuple = (("execution", 1), ("market_making", 1))
    messages_per_step: int = 100
    episode_steps: int = 32
    capacity: int = 128
    max_trades: int = 16
    execution_actions: str = "qty_levels"
    mm_actions: str = "ticks"
    observation: str = "depth"
    obs_levels: int = 5
    inventory_penalty: str = "quadratic"
    exec_qty_multiples: tuple = (1, 2, 4)
    mm_offsets: tuple = (0, 1, 2, 4)
    mm_size_multiples: tuple = (1, 2)
    passive_ticks: int = 2
    fills: str = "aggressive"
    latency: int = 0
    latency_probs: tuple = ()
    latency_unit: str = "messages"
    obs_delay: int = 0
    debug: bool = False
    allow_no_agents: bool = False

    def __post_init__(self):
        def bad(msg):
            raise InputError(f"EnvConfig: {msg}")

        from hftlab.env.agents import registry

        agents = self.agents.items() if isinstance(self.agents, dict) else self.agents
        try:
            agents = tuple((t, n) for t, n in agents)
        except (TypeError, ValueError):
            bad(f"agents must map agent types to counts, got {self.agents!r}")
        for t, n in agents:
            registry.get(t)  # unknown type: one-line error naming the registered ones
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                bad(f"{t} must be a non-negative number of agents, got {n!r}")
        if len({t for t, _ in agents}) != len(agents):
            bad(f"agents names a type twice: {[t for t, _ in agents]}")
        object.__setattr__(self, "agents", tuple((t, int(n)) for t, n in agents))
        total = sum(n for _, n in self.agents)
        if total == 0 and not self.allow_no_agents:
            bad("zero agents (set a count for at least one agent type, or allow_no_agents=True for plain replay)")
        if total > MAX_AGENTS:
            bad(f"{total} agents is more than the {MAX_AGENTS} the order-id space allows")
        for name, lo in (("messages_per_step", 1), ("episode_steps", 1), ("capacity", 1), ("max_trades", 1),
                         ("obs_levels", 1), ("passive_ticks", 1)):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < lo:
                bad(f"{name} must be an integer >= {lo}, got {v!r}")
        if self.latency_unit not in LATENCY_UNITS:
            bad(f"unknown latency_unit {self.latency_unit!r} (choose from {', '.join(LATENCY_UNITS)})")
        in_us = self.latency_unit == "us"
        for name in ("latency", "obs_delay"):
            v = getattr(self, name)
            top, what = ((MAX_LATENCY_US, "") if in_us and name == "latency"
                         else (self.messages_per_step, " (messages_per_step - 1)"))
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= v < top:
                bad(f"{name} must be an integer in 0..{top - 1}{what}, got {v!r}")
        probs = self.latency_probs
        try:
            probs = tuple(float(x) for x in probs)
        except (TypeError, ValueError):
            bad(f"latency_probs must be a sequence of probabilities, got {self.latency_probs!r}")
        if any(not np.isfinite(x) or x < 0 for x in probs) or (probs and abs(sum(probs) - 1.0) > 1e-6):
            bad(f"latency_probs must be non-negative and sum to 1, got {self.latency_probs!r}")
        object.__setattr__(self, "latency_probs", probs)
        if not in_us and self.max_latency + self.obs_delay >= self.messages_per_step:
            bad(f"the longest latency ({self.max_latency}) plus obs_delay ({self.obs_delay}) must be less than "
                f"messages_per_step ({self.messages_per_step})")
        for name, allowed in (("execution_actions", EXECUTION_ACTIONS), ("mm_actions", MM_ACTIONS),
                              ("observation", OBSERVATIONS), ("inventory_penalty", PENALTIES),
                              ("fills", FILL_RULES)):
            v = getattr(self, name)
            if v not in allowed:
                bad(f"unknown {name} variant {v!r} (choose from {', '.join(allowed)})")
        for name in ("exec_qty_multiples", "mm_offsets", "mm_size_multiples"):
            v = getattr(self, name)
            if not isinstance(v, tuple) or len(v) == 0:
                bad(f"{name} must be a non-empty tuple, got {v!r}")
        if any((not isinstance(x, (int, np.integer))) or x < 1 for x in self.exec_qty_multiples + self.mm_size_multiples):
            bad("exec_qty_multiples and mm_size_multiples must be positive integers")
        if any(not isinstance(x, (int, float, np.integer, np.floating)) or isinstance(x, bool) for x in self.mm_offsets):
            bad(f"mm_offsets must be numbers, got {self.mm_offsets}")
        if self.mm_actions == "half_spread" and any(x < 0 for x in self.mm_offsets):
            bad(f"mm_offsets of variant half_spread must be non-negative, got {self.mm_offsets}")

    @property
    def max_latency(self) -> int:
        """The longest delay of an agent's orders (in ``latency_unit``)."""
        return int(self.latency) + max(len(self.latency_probs) - 1, 0)

    @property
    def random_latency(self) -> bool:
        """Whether delays are drawn (more than one delay has a positive probability)."""
        return sum(x > 0 for x in self.latency_probs) > 1

    # ---- layout
    def count(self, t: str) -> int:
        return dict(self.agents).get(t, 0)

    @property
    def types(self) -> tuple[str, ...]:
        """Agent types present, in layout order."""
        return tuple(t for t, n in self.agents if n > 0)

    @property
    def num_agents_total(self) -> int:
        return sum(n for _, n in self.agents)

    def offset(self, t: str) -> int:
        """Global index of the first agent of type ``t`` (trader id = index + 1)."""
        out = 0
        for u, n in self.agents:
            if u == t:
                return out
            out += n
        raise InputError(f"EnvConfig: no {t!r} agents in this configuration")

    def replace(self, **kw) -> "EnvConfig":
        return dataclasses.replace(self, **kw)

    def with_counts(self, **counts) -> "EnvConfig":
        """A copy with some types' counts changed (a type not present yet is appended)."""
        agents = [(t, counts.pop(t, n)) for t, n in self.agents] + list(counts.items())
        return self.replace(agents=tuple(agents))

    def substitute(self, old: str, new: str) -> "EnvConfig":
        """A copy with the agents of type ``old`` replaced, in place, by as many of type ``new``."""
        n = self.count(old)
        if n == 0:
            raise InputError(f"EnvConfig: the configuration has no {old} agents to replace")
        if self.count(new):
            agents = [(t, c + n if t == new else c) for t, c in self.agents if t != old]
        else:
            agents = [((new, c) if t == old else (t, c)) for t, c in self.agents]
        return self.replace(agents=tuple(agents))

    @classmethod
    def market_replay(cls, **kw) -> "EnvConfig":
        """A world with no agents (historical flow only)."""
        return cls(agents=(), allow_no_agents=True, **kw)


def latency_distribution(kind: str, extra: int, mean: float | None = None) -> tuple[float, ...]:
    """``EnvConfig.latency_probs`` over ``0..extra`` extra messages of delay.

    ``"uniform"``: every extra delay equally likely. ``"geometric"``: ``P(j)`` proportional
    to ``(1 - 1/(1 + mean))**j`` (a geometric law of mean ``mean`` before truncation at
    ``extra``; the usual long-tailed shape of network delays). The result is a tuple of
    floats summing to 1, ready for the configuration (and for a TOML file as a list).
    """
    if not isinstance(extra, (int, np.integer)) or isinstance(extra, bool) or extra < 0:
        raise InputError(f"latency_distribution: extra must be a non-negative integer, got {extra!r}")
    j = np.arange(extra + 1, dtype=np.float64)
    if kind == "uniform":
        w = np.ones_like(j)
    elif kind == "geometric":
        if mean is None or not np.isfinite(mean) or mean <= 0:
            raise InputError(f"latency_distribution: geometric needs a positive mean, got {mean!r}")
        w = (1.0 - 1.0 / (1.0 + float(mean))) ** j
    else:
        raise InputError(f"latency_distribution: unknown kind {kind!r} (choose from uniform, geometric)")
    w = w / w.sum()
    return tuple(float(x) for x in w)


@struct.dataclass
class EnvParams:
    """Run parameters of :class:`hftlab.env.MarketEnv` (a pytree; never closed over).

    Market data: ``messages`` int32 ``(N, 8)`` and ``named_age`` int32 ``(N,)`` (how many messages
    before each one the order it names was submitted, :func:`hftlab.env.data.named_ages`), ``seeds`` int32 ``(W, 4L)`` (the orderbook
    row before each window), ``starts`` int32 ``(W,)``; episodes sample a window in
    ``[window_lo, window_hi)``. ``tick``: the price grid. Prices are in the data's units
    (dollars x 10 000); rewards are in ticks (execution: per task share; market making:
    per ``mm_size`` share).

    Tasks and weights: ``exec_qty`` (Q shares), ``exec_side`` (+1 buy, -1 sell, 0 random
    per episode and agent), ``drift_weight`` (1: an execution episode's rewards sum to
    its slippage against the arrival mid), ``deadline_penalty_ticks`` (price concession,
    beyond the far touch, of any part of a deadline / unwind order the book cannot fill),
    ``mm_size``, ``inventory_penalty`` (weight).

    ``agent``: every registered type's own parameters, ``{type: {name: value}}`` with the
    defaults of its registry record (e.g. ``agent["fixed_spread"]["half_spread"]`` ticks,
    Avellaneda–Stoikov ``gamma``, ``kappa``, ``sigma`` ticks per step, noise traders'
    ``prob`` per step, ``market_prob``, ``max_size``, ``levels`` ticks, POV's ``rate``).
    """

    messages: jnp.ndarray
    named_age: jnp.ndarray
    seeds: jnp.ndarray
    starts: jnp.ndarray
    window_lo: jnp.ndarray
    window_hi: jnp.ndarray
    tick: jnp.ndarray
    exec_qty: jnp.ndarray
    exec_side: jnp.ndarray
    drift_weight: jnp.ndarray
    deadline_penalty_ticks: jnp.ndarray
    mm_size: jnp.ndarray
    inventory_penalty: jnp.ndarray
    agent: dict
