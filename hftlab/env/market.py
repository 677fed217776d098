"""``MarketEnv``: the multi-agent market on a replayed order book (JaxMARL / gymnax style).

Every agent's orders are real orders in one :mod:`hftlab.lob` book, matched against the
historical order flow and against each other. One environment step (:meth:`MarketEnv.step`):

1. each agent type turns its action (learning types) or its policy (fixed types) into
   desired orders per order slot: the ``act`` of its record in the registry
   (:mod:`hftlab.env.agents.registry`);
2. these become one block of agent messages with a fixed number of rows: deletes of
   stale resting orders first (all agents), then new limit / market orders, then the
   market makers' flatten / unwind orders; rows with nothing to do are NOOPs. Agent order
   ids are ``AGENT_OID_BASE + agent * OID_STRIDE + counter``, above every historical id;
   trader id = 1 + agent index (0 = the historical flow);
3. the block goes through the book in one ``hftlab.lob.replay`` (trades recorded), then
   the next ``k`` historical messages (``lax.dynamic_slice`` of the flat array) in a
   second ``replay`` that records no trades — the expensive part runs at the engine's
   plain replay speed;
4. fills: the agent block's trades are attributed by trader id (one-hot sums, buyer and
   seller of every trade); during the historical block an agent is the *passive* side:
   historical executions meet agents' orders as the aggressive orders they record
   (:func:`executions_meet_agents`: better-priced or earlier agent orders fill first) and
   crossing historical limit orders match them in price-time priority; its fills there are
   the drop in its resting orders' quantities, at their prices, against trader 0;
5. on the last step agents of the execution category send a market order for their
   remainder and those of the quoting category unwind; a part the book cannot fill is executed against the historical
   flow at the far touch plus ``deadline_penalty_ticks`` (counted in ``info['market']['virtual']``);
6. rewards, metrics and observations per type (the records' ``reward``, ``metrics``,
   ``observe``); when the episode ends ``step`` (:class:`hftlab.env.base.MultiAgentEnv`)
   resets the state and ``info`` carries the finished episode's metrics.

Latency (``EnvConfig.latency`` = d > 0): the first d historical messages of the step are
replayed (under the same fill rule) between the agents' decisions and their orders, which
then meet the book as it is after those messages; the rest of the block follows. With
``latency_probs`` each agent's delay is drawn every step: the block is replayed in
segments between the agents' landing messages (in order of arrival, ties in agent order),
each agent's orders meeting the book as it is when they land (``info['agents']['latency']``
holds the delays). This costs one masked pass over the step's messages per agent.
Delayed observations (``obs_delay`` = e > 0): the market data agents observe and act on are
taken e messages before the end of the step's block; rewards and marks use the current book.

Own-order masking: every price an agent acts on, observes or is marked to (touch, mid,
depth, quote reference, deadline price) comes from the book without that agent's own
orders; other agents' orders are visible to it like any order. ``info['market']``'s
bid / ask / mid are of the book without any agent's orders.

Cash is kept exactly, as int32 *ticks relative to the episode's reference price* ``ref``
(the arrival mid on the tick grid): a buy of q at p moves ``-q (p - ref) / tick`` to the
buyer and the opposite to the seller, so the values stay small and shares and cash of
agents plus the historical flow (``state.hist_inv``, ``state.hist_cash``) sum to zero
after every step. Historical cancels / executions of orders that no longer exist (an
agent consumed them) change nothing and are counted by the engine
(``info['market']['unresolved']``).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.env import config as C
from hftlab.env.agents import execution as ex
from hftlab.env.agents import market_making as mm
from hftlab.env.agents import registry
from hftlab.env.agents.common import Orders, View, grid_down
from hftlab.env.agents.registry import AgentInput, Outcome
from hftlab.env.base import Box, Discrete, MultiAgentEnv
from hftlab.env.config import EnvConfig, EnvParams
from hftlab.env.data import MarketData
from hftlab.errors import InputError
from hftlab.lob import engine
from hftlab.lob import messages as M

PRICE_SCALE = mm.PRICE_SCALE  # data prices are dollars x 10 000


@struct.dataclass
class EnvState:
    """State of one environment (agent arrays over all agents in layout order, see ``EnvConfig.offset``)."""

    book: engine.Book
    view: View  # (A + 1,) views of ``book``: [0] without any agent's orders, [1 + a] without agent a's own
    seen: View  # ``view`` as the agents observe it: ``obs_delay`` messages old (``view`` itself when 0)
    t: jnp.ndarray  # step within the episode
    ptr: jnp.ndarray  # next historical message
    window: jnp.ndarray
    ref: jnp.ndarray  # reference price (tick grid) for cash
    arrival: jnp.ndarray  # arrival mid (float)
    side: jnp.ndarray  # (A,) task side of execution-type agents (+1 buy / -1 sell), 0 otherwise
    inv: jnp.ndarray  # (A,) shares
    cash: jnp.ndarray  # (A,) ticks relative to ref
    hist_inv: jnp.ndarray  # the historical flow's side of all agent trades
    hist_cash: jnp.ndarray
    oid: jnp.ndarray  # (A, 2) order id per slot (0: none)
    landed: jnp.ndarray  # (A, 2) position in ``params.messages`` of the message each slot's order landed before
    counter: jnp.ndarray  # (A,) order-id counter
    bought: jnp.ndarray  # (A,) shares bought this episode
    sold: jnp.ndarray  # (A,)
    last_fill: jnp.ndarray  # (A,) signed shares filled in the last step
    inv_sum: jnp.ndarray  # (A,) sums over steps of inventory, inventory^2, value change, its square
    inv_sq: jnp.ndarray
    ret_sum: jnp.ndarray
    ret_sq: jnp.ndarray
    virtual: jnp.ndarray  # (A,) shares executed against the flow at the deadline penalty price
    volume: jnp.ndarray  # shares the historical flow traded (executions) since the episode began


def _touch_view(book: engine.Book, last_mid, tick, levels: int) -> View:
    top = engine.l2(book, levels)  # (L, 4): ask p, ask s, bid p, bid s
    a0, as0, b0, bs0 = top[0, 0], top[0, 1], top[0, 2], top[0, 3]
    has_a, has_b = as0 > 0, bs0 > 0
    base = grid_down(last_mid, tick)
    bid = jnp.where(has_b, b0, jnp.where(has_a, a0 - tick, base))
    ask = jnp.where(has_a, a0, jnp.where(has_b, b0 + tick, base + tick))
    mid = jnp.where(has_a | has_b, (bid.astype(jnp.float32) + ask.astype(jnp.float32)) / 2.0, last_mid)
    tot = (as0 + bs0).astype(jnp.float32)
    return View(
        bid=bid.astype(jnp.int32), ask=ask.astype(jnp.int32), mid=mid.astype(jnp.float32),
        spread=((ask - bid) / tick).astype(jnp.float32),
        imbalance=jnp.where(tot > 0, (bs0 - as0) / jnp.maximum(tot, 1.0), 0.0).astype(jnp.float32),
        bid_depth=top[:, 3], ask_depth=top[:, 1], tick=jnp.asarray(tick, jnp.int32),
    )


def _masked_views(book: engine.Book, last_mid, tick, levels: int, num_agents: int) -> View:
    """The book as each viewer sees it (own-order masking): viewer 0, the market, without any agent's
    orders; viewer ``1 + a`` without agent ``a``'s own orders (other agents' orders are visible, like
    any order). Fields gain a leading axis of ``num_agents + 1``; ``last_mid`` is per viewer."""
    viewers = jnp.arange(num_agents + 1, dtype=jnp.int32)
    trader = book.orders[:, engine.TRADER]

    def one(v, mid):
        hide = jnp.where(v == 0, trader != 0, trader == v)
        masked = book.replace(orders=book.orders.at[:, engine.QTY].set(jnp.where(hide, 0, book.orders[:, engine.QTY])))
        return _touch_view(masked, mid, tick, levels)

    return jax.vmap(one)(viewers, jnp.broadcast_to(last_mid, (num_agents + 1,)))


def _queue_ahead(book: engine.Book, oid, look=None):
    """Shares resting ahead of each order ``oid`` (A, 2) in its queue: same side, a better price, or the
    same price and earlier arrival (0 where no order rests). ``look``: ``_lookup(book, oid)`` if known."""
    qty, price, side, seq = _lookup(book, oid) if look is None else look
    o = book.orders
    row = lambda f: jnp.where((side > 0)[..., None], o[engine.BID, f], o[engine.ASK, f])  # noqa: E731 (A, 2, C)
    p, q, sq = row(engine.PRICE), row(engine.QTY), row(engine.SEQ)
    better = side[..., None] * (p - price[..., None]) > 0  # bids: higher is better; asks: lower
    first = (p == price[..., None]) & (sq < seq[..., None])
    return jnp.sum(jnp.where((qty > 0)[..., None] & (q > 0) & (better | first), q, 0), axis=-1)


@partial(jax.jit, static_argnums=5)
def _window_rows(messages, ages, seeds, starts, windows, length: int):
    """The ``length`` messages (and their named ages) from each window's start, one window after another,
    and the windows' seed rows."""
    rows = jax.vmap(lambda s: jax.lax.dynamic_slice(messages, (s, 0), (length, messages.shape[1])))(starts[windows])
    age = jax.vmap(lambda s: jax.lax.dynamic_slice(ages, (s,), (length,)))(starts[windows])
    return rows.reshape(-1, messages.shape[1]), age.reshape(-1), seeds[windows]


def _lookup(book: engine.Book, oid):
    """Resting (qty, price, side, arrival number) of the orders ``oid`` (A, 2); 0s where none rests.
    One pass over the book's ids finds each order's slot; its fields are then gathered."""
    A, cap = oid.shape[0], book.orders.shape[2]
    flat = book.orders.transpose(1, 0, 2).reshape(book.orders.shape[1], 2 * cap)  # field x (bids, asks)
    o = oid.reshape(-1)
    eq = flat[engine.OID][None] == o[:, None]  # (2A, 2C)
    slot = jnp.argmax(eq, axis=1)
    found = jnp.take_along_axis(eq, slot[:, None], axis=1)[:, 0] & (o >= C.AGENT_OID_BASE)
    f = flat[:, slot]

    def pick(x):
        return jnp.where(found, x, 0).reshape(A, 2)

    side = pick(jnp.where(slot < cap, 1, -1)).astype(jnp.int32)
    return pick(f[engine.QTY]), pick(f[engine.PRICE]), side, pick(f[engine.SEQ])


def named_arrival(book: engine.Book, hist):
    """``(k,)`` the arrival number in ``book`` of the order each message of ``hist`` names: its ``seq``
    if it rests in ``book`` (looked up on the message's resting side), later than every order of
    ``book`` when a message of ``hist`` before it submits it, else -1 (it rested before them all).

    The time :func:`executions_meet_agents` compares agents' arrival numbers with when the block is
    taken on its own (:func:`replay_historical` without ``timing``); the environment reads the
    same order of arrival from ``params.named_age`` instead (:func:`hftlab.env.data.named_ages`)."""
    k = hist.shape[0]
    typ, d, hid = hist[:, M.TYPE], hist[:, M.SIDE], hist[:, M.OID]
    rest_side = jnp.where(d > 0, engine.BID, engine.ASK)
    ids, seqs = book.orders[rest_side, engine.OID], book.orders[rest_side, engine.SEQ]  # (k, C)
    named = jnp.max(jnp.where(ids == hid[:, None], seqs, -1), axis=1)
    earlier = jnp.tril(jnp.ones((k, k), bool), -1)  # [i, j]: j before i
    arrives = jnp.any(earlier & (typ[None] == M.LIMIT) & (hid[None] == hid[:, None]), axis=1)
    return jnp.where(named >= 0, named, jnp.where(arrives, jnp.iinfo(jnp.int32).max, -1))


def executions_meet_agents(hist, qty, price, side, seq_of, named_time, agent_time):
    """Historical executions as the aggressive orders they record (the fill rule of the market).

    A type-4 message (size ``s``, price ``p``, resting side ``d``) was an order on side
    ``-d`` for ``s`` shares limited at ``p``. Resting agent orders on side ``d`` priced
    better than ``p``, or at ``p`` and earlier in time than the named historical order,
    would have met it first: they are filled in price-time priority (best price, then
    earliest), and the named order is executed only by what is left. A type-5 (hidden)
    execution at ``p`` fills agent orders priced strictly better than ``p`` first (a
    visible order at ``p`` was not hit by it, so neither is an agent's at ``p``); the book is
    unchanged by the hidden part, as before.

    ``qty``, ``price``, ``side``: the agents' resting orders ``(A, 2)`` (0s where none rests);
    ``seq_of``: their arrival numbers in the book (their order among themselves). Time
    against the named order: an agent order is earlier when ``agent_time < named_time``
    (``named_time`` ``(k,)`` per message, ``agent_time`` ``(A, 2)``, in one unit: arrival numbers,
    :func:`named_arrival`, or positions in the message stream, as the environment keeps them).
    Returns ``(hist, fills)``: the block with each execution's size reduced by what agents
    took (a type 4 left with nothing becomes a no-op) and ``fills`` ``(k, A, 2)``, the shares
    each agent order took from each message. With no agent orders the block is returned unchanged.
    """
    k = hist.shape[0]
    A = qty.shape[0]
    typ, d, p, size = hist[:, M.TYPE], hist[:, M.SIDE], hist[:, M.PRICE], hist[:, M.SIZE]
    is4, is5 = typ == M.EXECUTE, typ == M.HIDDEN
    # the agents' orders as 2A slots. On each side, the orders an execution may meet are a prefix of
    # the side's price-time priority (better prices, then earlier at its price), and executions consume
    # that priority queue from its front: one running total per side says how much has been taken
    q, pr, sd, sq, at = (x.reshape(-1) for x in (qty, price, side, seq_of, agent_time))
    live = q > 0
    better_price = sd[None] * (pr[None] - pr[:, None]) > 0  # [j, l]: l's price better than j's
    ahead = live[None] & (sd[None] == sd[:, None]) & (better_price | ((pr[None] == pr[:, None]) & (sq[None] < sq[:, None])))
    start = jnp.sum(jnp.where(ahead, q[None], 0), axis=1)  # shares of agent orders ahead of each slot
    better = d[:, None] * (pr[None] - p[:, None]) > 0
    at_p_first = is4[:, None] & (pr[None] == p[:, None]) & (at[None] < named_time[:, None])
    eligible = (is4 | is5)[:, None] & (sd[None] == d[:, None]) & live[None] & (better | at_p_first)
    reach = jnp.sum(jnp.where(eligible, q[None], 0), axis=1)  # (k,): the prefix each message may consume
    bid_msg = d > 0

    def meet(used, x):
        on_bid, r, s = x
        c = jnp.where(on_bid, used[0], used[1])
        new = jnp.minimum(c + s, jnp.maximum(c, r))
        return jnp.where(on_bid, jnp.stack([new, used[1]]), jnp.stack([used[0], new])), (c, new)

    _, (c0, c1) = jax.lax.scan(meet, jnp.zeros((2,), jnp.int32), (bid_msg, reach, size), unroll=8)
    # each message took the interval [c0, c1) of its side's queue; slot j holds [start_j, start_j + q_j)
    overlap = jnp.minimum(c1[:, None], (start + q)[None]) - jnp.maximum(c0[:, None], start[None])
    fills = jnp.where((sd[None] == d[:, None]) & live[None] & (is4 | is5)[:, None], jnp.maximum(overlap, 0), 0)
    taken = c1 - c0
    left = size - taken
    hist = hist.at[:, M.SIZE].set(left).at[:, M.TYPE].set(jnp.where(is4 & (left <= 0), M.NOOP, typ))
    return hist, fills.reshape(k, A, 2)


def _execute_agent_orders(book: engine.Book, oid, took):
    """``book`` after each agent order ``oid`` ``(A, 2)`` is executed by ``took`` shares: the book (events
    included) that replaying one type-4 row per order on its id (a no-op row where ``took`` is 0) gives."""
    ids = book.orders[:, engine.OID]  # (2, C)
    eq = (ids[None, None] == oid[:, :, None, None]) & (oid >= C.AGENT_OID_BASE)[:, :, None, None]
    cut = jnp.sum(jnp.where(eq, took[:, :, None, None], 0), axis=(0, 1))  # (2, C)
    q = book.orders[:, engine.QTY] - cut
    gone = (cut > 0) & (q <= 0)
    orders = book.orders.at[:, engine.QTY].set(jnp.maximum(q, 0)).at[:, engine.OID].set(jnp.where(gone, engine.EMPTY, ids))
    n = jnp.sum(took > 0).astype(book.events.dtype)
    events = book.events.at[M.EXECUTE].add(n).at[M.NOOP].add(took.size - n)
    return book.replace(orders=orders, events=events)


def replay_historical(book: engine.Book, hist, oid, resting=None, timing=None):
    """The historical block through ``book`` with the agents' resting orders ``oid`` ``(A, 2)`` in it.

    The executions that meet agent orders first (:func:`executions_meet_agents`) execute
    those orders ahead of the block (as type-4 rows on the agents' ids would); then the block
    runs with what they left (no trades recorded). Agents are filled passively here, by those
    executions and by historical limit orders that cross their quotes. The executions are
    placed ahead of the block rather than at their messages: within one step a crossing
    limit order that reached an agent's order before the execution would, in the data's
    order, have taken those shares first; only when both would exhaust the same agent order
    does that change who got them.

    ``resting``: ``_lookup(book, oid)`` when already known. ``timing``: ``(named_time, agent_time)``
    for :func:`executions_meet_agents` (default: arrival numbers in ``book``, :func:`named_arrival`).
    Returns ``(book, replayed, took)``: the book after the block, the rows replayed (the
    agents' executions as type-4 rows, then the block), and the shares ``(A, 2)`` each agent
    order took from historical executions.
    """
    A = oid.shape[0]
    if A == 0:
        book, _ = engine.replay(book, hist, max_trades=1, trades=False)
        return book, hist, jnp.zeros((0, 2), jnp.int32)
    qty, price, side, seq = _lookup(book, oid) if resting is None else resting
    named_time, agent_time = (named_arrival(book, hist), seq) if timing is None else timing
    block, fills = executions_meet_agents(hist, qty, price, side, seq, named_time, agent_time)
    took = jnp.sum(fills, axis=0)  # (A, 2)
    t_s, t_ns = hist[0, M.TIME_S], hist[0, M.TIME_NS]
    trader = jnp.broadcast_to(jnp.arange(1, A + 1, dtype=jnp.int32)[:, None], (A, 2))
    rows = jnp.stack([jnp.where(took > 0, M.EXECUTE, M.NOOP), jnp.where(side == 0, 1, side), price, took, oid, trader,
                      jnp.full_like(took, t_s), jnp.full_like(took, t_ns)], axis=-1).reshape(-1, M.N_MSG_FIELDS)
    replayed = jnp.concatenate([rows.astype(jnp.int32), block], axis=0)
    book, _ = engine.replay(_execute_agent_orders(book, oid, took), block, max_trades=1, trades=False)
    return book, replayed, took


class MarketEnv(MultiAgentEnv):
    """The market. ``env = MarketEnv(EnvConfig(...))``; ``params = env.default_params(data)``.

    The environment contract (:mod:`hftlab.env.base`): :meth:`reset`, :meth:`reset_window`,
    :meth:`step_env` (and ``step`` = ``step_env`` + auto-reset), :attr:`learning_types`,
    :meth:`num_agents`, :meth:`action_space`, :meth:`observation_space`, :attr:`episode_steps`.
    Observations, actions, rewards and dones are dicts keyed by learning type, arrays over
    that type's agents.
    """

    def __init__(self, config: EnvConfig | None = None):
        config = EnvConfig() if config is None else config
        if not isinstance(config, EnvConfig):
            raise InputError(f"MarketEnv: config must be an EnvConfig, got {type(config).__name__}")
        self.config = cfg = config
        self.types = cfg.types
        self.specs = {t: registry.get(t) for t in self.types}
        self.learning_types = tuple(t for t in self.types if self.specs[t].learning)
        self.fixed_types = tuple(t for t in self.types if not self.specs[t].learning)
        self.A = cfg.num_agents_total
        # static layout of the agent message block
        sa, ss, ma = [], [], []
        agent_type = []
        for t in self.types:
            spec = self.specs[t]
            for i in range(cfg.count(t)):
                a = cfg.offset(t) + i
                agent_type.append(t)
                for s in range(spec.slots):
                    sa.append(a)
                    ss.append(s)
                if spec.category == "quoting":
                    ma.append(a)
        self.agent_type = tuple(agent_type)
        self._slot_agent = np.asarray(sa, np.int32)
        self._slot_idx = np.asarray(ss, np.int32)
        self._mkt_agent = np.asarray(ma, np.int32)
        self.num_rows = 2 * len(sa) + len(ma)
        self._exec_mask = np.array([self.specs[t].category == "execution" for t in agent_type], bool)
        self._mm_mask = np.array([self.specs[t].category == "quoting" for t in agent_type], bool)
        self._max_resting_per_side = len(sa)

    # ------------------------------------------------------------------ spaces
    def num_agents(self, t: str) -> int:
        self.check_type(t)
        return self.config.count(t)

    @property
    def episode_steps(self) -> int:
        return self.config.episode_steps

    def action_space(self, t: str) -> Discrete:
        self.check_type(t)
        return Discrete(self.specs[t].num_actions(self.config))

    def observation_space(self, t: str) -> Box:
        self.check_type(t)
        return Box((self.specs[t].obs_size(self.config),))

    def action_labels(self, t: str) -> list[str]:
        """Human-readable name of every action of learning type ``t`` (index = action)."""
        self.check_type(t)
        labels = self.specs[t].action_labels
        return labels(self.config) if labels is not None else [str(a) for a in range(self.num_actions(t))]

    def _sl(self, t):
        o = self.config.offset(t)
        return slice(o, o + self.config.count(t))

    # ------------------------------------------------------------------ params
    def default_params(self, data: MarketData, window_range: tuple[int, int] | None = None, **overrides) -> EnvParams:
        """Params for ``data`` (a :class:`MarketData`), checked against this configuration.

        ``window_range``: ``(lo, hi)`` window indices to sample from (default all; see
        :func:`hftlab.env.data.split_windows`). ``overrides``: any :class:`EnvParams` field;
        ``agent={type: {param: value}}`` changes agent types' own parameters.
        """
        cfg = self.config
        if not isinstance(data, MarketData):
            raise InputError(f"default_params: data must be MarketData (hftlab.env.load_market_data), got {type(data).__name__}")
        need = cfg.episode_steps * cfg.messages_per_step
        if need > data.window_len:
            raise InputError(f"default_params: an episode needs {cfg.episode_steps} steps x {cfg.messages_per_step} "
                             f"messages = {need}, longer than the data's windows of {data.window_len} messages")
        cap_need = engine.capacity_needed(data.peak_orders, self._max_resting_per_side, data.levels)
        if cfg.capacity < cap_need:
            raise InputError(f"default_params: capacity {cfg.capacity} is too small for {data.name or 'the data'} "
                             f"(needs {cap_need}: peak {data.peak_orders} resting orders per side "
                             f"+ {self._max_resting_per_side} agent orders)")
        if data.max_oid >= C.AGENT_OID_BASE:
            raise InputError(f"default_params: historical order ids reach {data.max_oid}, into the agent id range "
                             f"{C.AGENT_OID_BASE}+")
        lo, hi = (0, data.num_windows) if window_range is None else (int(window_range[0]), int(window_range[1]))
        if not 0 <= lo < hi <= data.num_windows:
            raise InputError(f"default_params: window_range ({lo}, {hi}) is not a non-empty range within "
                             f"0..{data.num_windows}")
        f32, i32 = jnp.float32, jnp.int32
        values = dict(
            messages=jnp.asarray(data.messages, i32), named_age=jnp.asarray(data.named_age, i32), seeds=jnp.asarray(data.seeds, i32),
            starts=jnp.asarray(data.starts, i32), window_lo=jnp.asarray(lo, i32), window_hi=jnp.asarray(hi, i32),
            tick=jnp.asarray(data.tick, i32), exec_qty=jnp.asarray(500, i32), exec_side=jnp.asarray(1, i32),
            drift_weight=jnp.asarray(1.0, f32), deadline_penalty_ticks=jnp.asarray(5, i32),
            mm_size=jnp.asarray(100, i32), inventory_penalty=jnp.asarray(0.01, f32),
        )
        own = {spec.name: {k: float(v) for k, v in spec.defaults} for spec in registry.all_types()}
        for t, changes in (overrides.pop("agent", None) or {}).items():
            if t not in own:
                raise InputError(f"default_params: unknown agent type {t!r} in agent=")
            for k, v in changes.items():
                if k not in own[t]:
                    raise InputError(f"default_params: agent type {t!r} has no parameter {k!r} "
                                     f"(it has {', '.join(own[t]) or 'none'})")
                own[t][k] = float(v)
        values["agent"] = {t: {k: jnp.asarray(v, f32) for k, v in d.items()} for t, d in own.items()}
        for k, v in overrides.items():
            if k not in values or k == "agent":
                raise InputError(f"default_params: unknown parameter {k!r}")
            values[k] = jnp.asarray(v, values[k].dtype)
        if int(values["exec_side"]) not in (-1, 0, 1):
            raise InputError(f"default_params: exec_side must be +1 (buy), -1 (sell) or 0 (random), got {int(values['exec_side'])}")
        if int(values["exec_qty"]) < 1 or int(values["mm_size"]) < 1:
            raise InputError("default_params: exec_qty and mm_size must be positive")
        return EnvParams(**values)

    def episode_params(self, params: EnvParams, windows):
        """``(params, local)``: ``params`` holding only the messages and seed rows that episodes starting at
        ``windows`` read (each window's ``episode_steps x messages_per_step`` messages, one after another),
        and the windows' indices in them (``0 .. n - 1``). An episode there is the same episode, and any
        ``n`` windows of any day run through one compiled program."""
        w = jnp.asarray(windows, jnp.int32)
        n, length = int(w.shape[0]), self.config.episode_steps * self.config.messages_per_step
        messages, ages, seeds = _window_rows(params.messages, params.named_age, params.seeds, params.starts, w, length)
        local = jnp.arange(n, dtype=jnp.int32)
        return params.replace(messages=messages, named_age=ages, seeds=seeds, starts=local * length, window_lo=jnp.int32(0),
                              window_hi=jnp.int32(n)), local

    # ------------------------------------------------------------------ reset
    def reset(self, key, params: EnvParams):
        """``(obs, state)`` of a new episode on a random window in ``[window_lo, window_hi)``."""
        kw, kr = jax.random.split(key)
        w = jax.random.randint(kw, (), params.window_lo, params.window_hi)
        return self.reset_window(kr, params, w)

    def reset_window(self, key, params: EnvParams, window):
        """``(obs, state)`` of a new episode on window ``window`` (deterministic evaluation)."""
        state = self._reset_state(key, params, window)
        zero = jnp.zeros((self.A, 2), jnp.int32)
        return self._observe(state, params, (zero, zero, zero)), state

    def _reset_state(self, key, params: EnvParams, window) -> EnvState:
        cfg, A = self.config, self.A
        w = jnp.asarray(window, jnp.int32)
        book = engine.from_l2(params.seeds[w], cfg.capacity)
        start = params.starts[w]
        first_price = params.messages[start, M.PRICE].astype(jnp.float32)
        market = _touch_view(book, first_price, params.tick, cfg.obs_levels)  # no agent orders yet
        view = jax.tree.map(lambda x: jnp.broadcast_to(x, (A + 1,) + x.shape), market)
        ref = grid_down(market.mid, params.tick)
        # the k-th execution-like agent draws the k-th coin whatever the agent order, so a baseline
        # that takes a learner's place (hftlab.study.evaluate) gets the learner's side under the same key
        rank = np.maximum(np.cumsum(self._exec_mask) - 1, 0)
        rnd = jnp.where(jax.random.bernoulli(key, 0.5, (A,))[rank], 1, -1)
        side = jnp.where(params.exec_side == 0, rnd, params.exec_side)
        side = jnp.where(jnp.asarray(self._exec_mask), side, 0).astype(jnp.int32)
        zi = jnp.zeros((A,), jnp.int32)
        zf = jnp.zeros((A,), jnp.float32)
        return EnvState(
            book=book, view=view, seen=view, t=jnp.int32(0), ptr=start, window=w, ref=ref, arrival=market.mid, side=side,
            inv=zi, cash=zi, hist_inv=jnp.int32(0), hist_cash=jnp.int32(0), oid=jnp.zeros((A, 2), jnp.int32),
            landed=jnp.zeros((A, 2), jnp.int32),
            counter=zi, bought=zi, sold=zi, last_fill=zi, inv_sum=zf, inv_sq=zf, ret_sum=zf, ret_sq=zf, virtual=zi,
            volume=jnp.int32(0),
        )

    # ------------------------------------------------------------------ what each type sees
    def _input(self, t: str, state: EnvState, params: EnvParams, rest, action=None, key=None):
        """The :class:`AgentInput` of type ``t``'s agents; ``rest``: (qty, price, shares ahead) of every
        agent's resting orders (A, 2)."""
        cfg, s = self.config, self._sl(t)
        rest_qty, rest_price, ahead = rest
        d, inv = state.side[s], state.inv[s]
        executed = d * inv
        remaining = jnp.where(d != 0, jnp.maximum(params.exec_qty - executed, 0), 0)
        slots = self.specs[t].slots
        return AgentInput(
            n=cfg.count(t), t=state.t, T=cfg.episode_steps, view=jax.tree.map(lambda x: x[1:][s], state.seen), inv=inv, cash=state.cash[s], side=d,
            executed=executed, remaining=remaining, rest_qty=rest_qty[s, :slots], rest_price=rest_price[s, :slots],
            queue_ahead=ahead[s, :slots],
            last_fill=state.last_fill[s], arrival=state.arrival, volume=state.volume, params=params,
            own=params.agent[t], config=cfg, action=action, key=key)

    def _observe(self, state: EnvState, params: EnvParams, rest):
        return {t: self.specs[t].observe(self._input(t, state, params, rest))
                for t in self.learning_types}

    # ------------------------------------------------------------------ the world step
    def _desired(self, key, state: EnvState, actions, params, rest) -> Orders:
        """Desired orders of all agents, (A, 2) slots (single-slot types use slot 0); on the last
        step execution-category types send their remainder and quoting types unwind."""
        last = state.t >= self.config.episode_steps - 1
        parts = []
        keys = jax.random.split(key, len(self.types))
        for t, k in zip(self.types, keys):
            spec = self.specs[t]
            inp = self._input(t, state, params, rest, actions.get(t), k)
            o = spec.act(inp)
            if spec.category == "execution":
                o = jax.tree.map(lambda a, b: jnp.where(last, a, b), ex.deadline(inp.side, inp.remaining), o)
            elif spec.category == "quoting":
                o = jax.tree.map(lambda a, b: jnp.where(last, a, b), mm.flatten(inp.inv), o)
            if spec.slots == 1:
                o = jax.tree.map(lambda x: jnp.concatenate([x, jnp.zeros_like(x)], axis=1) if x.ndim == 2 else x, o)
            parts.append(o)
        return jax.tree.map(lambda *xs: jnp.concatenate(xs, axis=0), *parts)

    def _agent_block(self, state: EnvState, o: Orders, rest, time_s, time_ns, land):
        """(rows (R, 8), new slot oids (A, 2), shares submitted (A,), landing positions (A, 2)); the
        block lands before message ``land`` of ``params.messages``."""
        rq, rp, rs = rest
        sa, ss, ma = self._slot_agent, self._slot_idx, self._mkt_agent
        want, side, price, qty, mkt = o.want[sa, ss], o.side[sa, ss], o.price[sa, ss], o.qty[sa, ss], o.market[sa, ss]
        q0, p0, s0, oid0 = rq[sa, ss], rp[sa, ss], rs[sa, ss], state.oid[sa, ss]
        has = q0 > 0
        same = has & (s0 == side) & (p0 == price) & (q0 == qty) & ~mkt
        change = want & ~same
        trader = jnp.asarray(sa + 1, jnp.int32)
        base = C.AGENT_OID_BASE + jnp.asarray(sa, jnp.int32) * C.OID_STRIDE
        new_oid = base + (state.counter[sa] * 3 + jnp.asarray(ss, jnp.int32)) % C.OID_STRIDE
        send = change & (qty > 0)
        z = jnp.zeros_like(qty)
        ts, tns = jnp.full_like(qty, time_s), jnp.full_like(qty, time_ns)

        def rows(typ, sd, pr, sz, oid, tr, tss, tnss):
            return jnp.stack([typ, sd, pr, sz, oid, tr, tss, tnss], axis=1).astype(jnp.int32)

        dele = rows(jnp.where(change & has, M.DELETE, M.NOOP), jnp.where(s0 == 0, 1, s0), p0, q0, oid0, trader, ts, tns)
        new = rows(jnp.where(send, jnp.where(mkt, M.MARKET, M.LIMIT), M.NOOP), side, price, jnp.maximum(qty, 0),
                   new_oid, trader, ts, tns)
        blocks = [dele, new]
        if ma.size:
            f = o.flat[ma]
            mbase = C.AGENT_OID_BASE + jnp.asarray(ma, jnp.int32) * C.OID_STRIDE
            moid = mbase + (state.counter[ma] * 3 + 2) % C.OID_STRIDE
            zm = jnp.zeros_like(f)
            blocks.append(rows(jnp.where(f != 0, M.MARKET, M.NOOP), jnp.where(f >= 0, 1, -1), zm, jnp.abs(f), moid,
                               jnp.asarray(ma + 1, jnp.int32), zm + time_s, zm + time_ns))
        block = jnp.concatenate(blocks, axis=0)
        slot_new = jnp.where(change, jnp.where(send & ~mkt, new_oid, 0), oid0)
        oid = state.oid.at[sa, ss].set(slot_new)
        landed = state.landed.at[sa, ss].set(jnp.where(change & send & ~mkt, land, state.landed[sa, ss]))
        onehot = jnp.asarray(np.eye(self.A, dtype=np.int32)[sa].T)  # (A, n_slots)
        submitted = onehot @ jnp.where(send, qty, 0)
        if ma.size:
            submitted = submitted.at[ma].add(jnp.abs(o.flat[ma]))
        return block, oid, submitted, landed

    def step_env(self, key, state: EnvState, actions, params: EnvParams):
        """One step of every agent: ``(obs, state, rewards, dones, info)``; ``step`` adds the auto-reset."""
        cfg, A, T = self.config, self.A, self.config.episode_steps
        actions = {} if actions is None else actions
        for t in self.learning_types:
            if t not in actions:
                raise InputError(f"step: actions has no entry for learning type {t!r}")
        in_us = cfg.latency_unit == "us"
        drawn = (cfg.random_latency or in_us) and A > 0  # each agent's delay, in messages, set this step
        k_pol, k_lat = jax.random.split(key) if cfg.random_latency and A > 0 else (key, None)
        k = cfg.messages_per_step
        tick = params.tick
        hist = jax.lax.dynamic_slice(params.messages, (state.ptr, 0), (k, M.N_MSG_FIELDS))
        # the time of each message's named order, against the agents' landing positions: one past the
        # position of the message that submitted it (negative if it rested before the window began)
        at = jnp.arange(k, dtype=jnp.int32)
        named_t = state.ptr + at + 1 - jax.lax.dynamic_slice(params.named_age, (state.ptr,), (k,))
        book0 = state.book
        last = state.t >= T - 1
        ids = jnp.arange(A + 1, dtype=jnp.int32)
        z = jnp.zeros((A,), jnp.int32)
        # running sums of the step: index 0 of the (A + 1,) arrays is the historical flow, a + 1 agent a
        acc = dict(d_inv=jnp.zeros((A + 1,), jnp.int32), d_cash=jnp.zeros((A + 1,), jnp.int32),
                   d_buy=jnp.zeros((A + 1,), jnp.int32), d_sell=jnp.zeros((A + 1,), jnp.int32),  # gross shares
                   from_exec=z, from_cross=z, from_agents=z, taken=z, at_fill=z, trade_over=jnp.int32(0))

        def add(**kw):
            for name, v in kw.items():
                acc[name] = acc[name] + v

        def historical(book, rows, ids_, resting, timing):
            """The historical ``rows`` through ``book`` under the fill rule: ``(book, replayed, took (A, 2))``;
            ``resting``: ``_lookup(book, ids_)``; ``timing``: the rows' named times and the agents' landings."""
            if cfg.fills == "aggressive":
                return replay_historical(book, rows, ids_, resting, timing)
            out, _ = engine.replay(book, rows, max_trades=1, trades=False)
            return out, rows, jnp.zeros((A, 2), jnp.int32)

        def through_history(book, rows, oid_, look, ahead_, timing):
            """Historical ``rows`` through ``book``; the agents' resting orders ``oid_`` (looked up: ``look``, with
            ``ahead_`` shares ahead of each; ``timing``: the rows' named times and the agents' landing
            positions) are filled passively, and their fills credited. Returns ``(book, replayed rows, look after)``."""
            out, replayed_, took = historical(book, rows, oid_, look, timing)
            if A == 0:
                return out, replayed_, None
            after = _lookup(out, oid_)
            qb, pb, sb = look[:3]
            passive = jnp.maximum(qb - after[0], 0)
            pi = jnp.sum(sb * passive, axis=1)
            pc = -jnp.sum(sb * passive * ((pb - state.ref) // tick), axis=1)
            b_ = jnp.sum(jnp.where(sb > 0, passive, 0), axis=1)
            s_ = jnp.sum(jnp.where(sb < 0, passive, 0), axis=1)
            ex_ = jnp.sum(took, axis=1)
            flow = lambda x, y: jnp.concatenate([-jnp.sum(x, keepdims=True), y])  # noqa: E731
            add(d_inv=flow(pi, pi), d_cash=flow(pc, pc), d_buy=jnp.concatenate([jnp.sum(s_, keepdims=True), b_]),
                d_sell=jnp.concatenate([jnp.sum(b_, keepdims=True), s_]), from_exec=ex_,
                from_cross=jnp.sum(passive, axis=1) - ex_, at_fill=jnp.sum(passive * ahead_, axis=1))
            return out, replayed_, after

        def agent_rows(book, block):
            """The agents' ``block`` through ``book`` with its trades attributed by trader id."""
            out, tr = engine.replay(book, block, max_trades=cfg.max_trades, trades=True)
            tr = tr.reshape(-1, M.N_TRADE_FIELDS)
            q = tr[:, M.T_QTY]
            buy_aggr = tr[:, M.T_AGGR_SIDE] > 0
            buyer = jnp.where(buy_aggr, tr[:, M.T_AGGR_TRADER], tr[:, M.T_PASSIVE_TRADER])
            seller = jnp.where(buy_aggr, tr[:, M.T_PASSIVE_TRADER], tr[:, M.T_AGGR_TRADER])
            c = q * ((tr[:, M.T_PRICE] - state.ref) // tick)
            ohb = (buyer[:, None] == ids[None]).astype(jnp.int32)
            ohs = (seller[:, None] == ids[None]).astype(jnp.int32)
            # fills by source: between two agents, or an agent taking historical resting orders
            both = (buyer > 0) & (seller > 0)
            add(d_buy=q @ ohb, d_sell=q @ ohs, d_inv=q @ ohb - q @ ohs, d_cash=c @ ohs - c @ ohb,
                from_agents=(q * both) @ ohb[:, 1:] + (q * both) @ ohs[:, 1:],
                taken=(q * ~both) @ ohb[:, 1:] + (q * ~both) @ ohs[:, 1:],
                trade_over=out.trade_overflow - book.trade_overflow)
            return out

        # The step's historical messages in segments: before the agents' orders land (latency), after
        # them up to the message the agents' next observation is taken at (obs_delay), and the rest.
        p_obs = k - cfg.obs_delay
        book, look, ahead, oid, landed = book0, None, None, state.oid, state.landed
        submitted, delay = z, jnp.full((A,), cfg.latency, jnp.int32)
        sequence, seen_at = [], None  # (historical?, rows) in the order they went through the book
        block = jnp.zeros((0, M.N_MSG_FIELDS), jnp.int32)
        if A > 0:  # the agents' resting orders as they decide (qty, price, side, arrival) and the shares ahead
            look = _lookup(book0, state.oid)
            ahead = _queue_ahead(book0, state.oid, look)
            o = self._desired(k_pol, state, actions, params, look[:2] + (ahead,))
        if not drawn:
            lat = 0 if in_us else cfg.latency
            if lat > 0:  # the first `lat` historical messages reach the book before the agents' orders
                book, rep, look = through_history(book, hist[:lat], state.oid, look, ahead, (named_t[:lat], landed))
                sequence.append((True, rep))
            if A > 0:  # the orders meet the book as it is when they land
                block, oid, submitted, landed = self._agent_block(state, o, look[:3], hist[lat, M.TIME_S],
                                                                  hist[lat, M.TIME_NS], state.ptr + lat)
                book = agent_rows(book, block)
                sequence.append((False, block))
                look = _lookup(book, oid)
                ahead = _queue_ahead(book, oid, look)
            start = lat
        else:  # each agent's orders land after its own delay, in order of arrival
            wait = jnp.full((A,), cfg.latency, jnp.int32)
            if cfg.random_latency:
                wait = wait + jax.random.choice(k_lat, len(cfg.latency_probs), (A,),
                                                p=jnp.asarray(cfg.latency_probs, jnp.float32)).astype(jnp.int32)
            delay = wait
            if in_us:  # microseconds since the step's first message; its messages stamped before the orders arrive
                us = ((hist[:, M.TIME_S] - hist[0, M.TIME_S]) * 1_000_000
                      + (hist[:, M.TIME_NS] - hist[0, M.TIME_NS]) // 1000)
                delay = jnp.minimum(jnp.sum(us[None] < wait[:, None], axis=1), p_obs - 1).astype(jnp.int32)
            order = jnp.argsort(delay, stable=True)
            agent_ids = jnp.arange(A)
            noop = jnp.zeros((M.N_MSG_FIELDS,), jnp.int32)
            prev = jnp.int32(0)
            blocks = []
            for j in range(A):
                a, d_a = order[j], delay[order[j]]
                seg = jnp.where(((at >= prev) & (at < d_a))[:, None], hist, noop)  # messages prev .. d_a - 1
                book, rep, look = through_history(book, seg, oid, look, ahead, (named_t, landed))
                sequence.append((True, rep))
                rows, oid_a, sub_a, land_a = self._agent_block(state, o, look[:3], hist[d_a, M.TIME_S],
                                                               hist[d_a, M.TIME_NS], state.ptr + d_a)
                rows = jnp.where((rows[:, M.TRADER] == a + 1)[:, None], rows, noop)  # agent a's rows only
                book = agent_rows(book, rows)
                blocks.append(rows)
                sequence.append((False, rows))
                oid = jnp.where((agent_ids == a)[:, None], oid_a, oid)
                landed = jnp.where((agent_ids == a)[:, None], land_a, landed)
                submitted = jnp.where(agent_ids == a, sub_a, submitted)
                look = _lookup(book, oid)
                ahead = _queue_ahead(book, oid, look)
                prev = d_a
            block = jnp.concatenate(blocks, axis=0)
            seg = jnp.where(((at >= prev) & (at < p_obs))[:, None], hist, noop)
            book, rep, look = through_history(book, seg, oid, look, ahead, (named_t, landed))
            sequence.append((True, rep))
            ahead = _queue_ahead(book, oid, look)
            start = p_obs
        # the historical block (no trades recorded): agents are filled passively, by the executions
        # that meet their orders first (executed ahead of each segment) and by crossing limit orders
        for lo, hi in ((start, p_obs), (p_obs, k)):
            if hi > lo:
                book, rep, look = through_history(book, hist[lo:hi], oid, look, ahead, (named_t[lo:hi], landed))
                sequence.append((True, rep))
                if A > 0:
                    ahead = _queue_ahead(book, oid, look)
            if hi == p_obs and cfg.obs_delay > 0:  # what the agents will observe
                seen_at = (book, (look[0], look[1], ahead) if A > 0 else None)
        book2 = book
        replayed = jnp.concatenate([rows for from_hist, rows in sequence if from_hist], axis=0)
        d_inv, d_cash, d_buy, d_sell = acc["d_inv"], acc["d_cash"], acc["d_buy"], acc["d_sell"]
        trade_over = acc["trade_over"]
        rest_qty = rest_price = jnp.zeros((A, 2), jnp.int32)
        if A > 0:
            rest_qty, rest_price = look[0], look[1]
        else:
            ahead = jnp.zeros((A, 2), jnp.int32)
        view2 = _masked_views(book2, state.view.mid, tick, cfg.obs_levels, A)
        mid2, bid2, ask2 = view2.mid[1:], view2.bid[1:], view2.ask[1:]  # what each agent sees (own orders masked)
        market = jax.tree.map(lambda x: x[0], view2)
        if seen_at is None:
            seen, rest_seen = view2, (rest_qty, rest_price, ahead)
        else:
            seen = _masked_views(seen_at[0], state.seen.mid, tick, cfg.obs_levels, A)
            rest_seen = seen_at[1] if A > 0 else (rest_qty, rest_price, ahead)

        # deadline: execution remainder / market-maker inventory at the far touch + penalty, vs the flow
        inv_now = state.inv + d_inv[1:]
        exec_mask, mm_mask = jnp.asarray(self._exec_mask), jnp.asarray(self._mm_mask)
        resid = jnp.where(exec_mask, state.side * jnp.maximum(params.exec_qty - state.side * inv_now, 0),
                          jnp.where(mm_mask, -inv_now, 0))
        resid = jnp.where(last, resid, 0)
        pen = params.deadline_penalty_ticks * tick
        vprice = jnp.where(resid > 0, ask2 + pen, bid2 - pen)
        vc = -resid * ((vprice - state.ref) // tick)
        d_inv = d_inv.at[1:].add(resid).at[0].add(-jnp.sum(resid))
        d_cash = d_cash.at[1:].add(vc).at[0].add(-jnp.sum(vc))
        vb, vs = jnp.maximum(resid, 0), jnp.maximum(-resid, 0)
        d_buy = d_buy.at[1:].add(vb).at[0].add(jnp.sum(vs))
        d_sell = d_sell.at[1:].add(vs).at[0].add(jnp.sum(vb))

        inv, cash = state.inv + d_inv[1:], state.cash + d_cash[1:]
        fill = d_inv[1:]
        # market VWAP of the step: the historical executions (types 4, 5) in the block
        is_ex = (hist[:, M.TYPE] == M.EXECUTE) | (hist[:, M.TYPE] == M.HIDDEN)
        hist_volume = jnp.where(is_ex, hist[:, M.SIZE], 0)
        w = hist_volume.astype(jnp.float32)
        dev = (hist[:, M.PRICE] - state.ref).astype(jnp.float32)
        vwap = jnp.where(jnp.sum(w) > 0, state.ref + jnp.sum(w * dev) / jnp.maximum(jnp.sum(w), 1.0), market.mid)

        v_old = mm.value(state.inv, state.cash, state.view.mid[1:], state.ref, tick)
        v_new = mm.value(inv, cash, mid2, state.ref, tick)
        dv = v_new - v_old
        new_state = state.replace(
            book=book2, view=view2, seen=seen, t=state.t + 1, ptr=state.ptr + k, inv=inv, cash=cash,
            hist_inv=state.hist_inv + d_inv[0], hist_cash=state.hist_cash + d_cash[0], oid=oid, landed=landed,
            counter=state.counter + 1, bought=state.bought + d_buy[1:], sold=state.sold + d_sell[1:],
            last_fill=fill, inv_sum=state.inv_sum + inv, inv_sq=state.inv_sq + inv.astype(jnp.float32) ** 2,
            ret_sum=state.ret_sum + dv, ret_sq=state.ret_sq + dv * dv, virtual=state.virtual + jnp.abs(resid),
            volume=state.volume + jnp.sum(hist_volume).astype(jnp.int32),
        )

        # rewards and episode metrics per type
        rewards, info = {}, {}
        sums = {"inv": new_state.inv_sum, "inv_sq": new_state.inv_sq, "ret": new_state.ret_sum,
                "ret_sq": new_state.ret_sq, "bought": new_state.bought, "sold": new_state.sold}
        for t in self.types:
            s = self._sl(t)
            out = Outcome(d_inv=d_inv[1:][s], d_cash=d_cash[1:][s], inv=inv[s], cash=cash[s], inv_before=state.inv[s],
                          side=state.side[s], vwap=vwap, ref=state.ref, arrival=state.arrival, tick=tick,
                          value_old=v_old[s], value_new=v_new[s], t=new_state.t,
                          sums={k: v[s] for k, v in sums.items()}, params=params, own=params.agent[t], config=cfg)
            info[t] = self.specs[t].metrics(out)
            if t in self.learning_types:
                rewards[t] = self.specs[t].reward(out).astype(jnp.float32)

        done = new_state.t >= T
        info["market"] = {
            "unresolved": book2.unresolved - book0.unresolved,
            "overflow": book2.overflow - book0.overflow,
            "trade_overflow": trade_over,
            "virtual": jnp.sum(jnp.abs(resid)),
            "hist_inv": new_state.hist_inv,
            "hist_cash": new_state.hist_cash,
            "mid": market.mid, "bid": market.bid, "ask": market.ask, "vwap": vwap.astype(jnp.float32),
            "mid_before": state.view.mid[0], "ref": state.ref,
            "window": state.window, "t": state.t,
        }
        info["agents"] = {"fill": fill, "bought": d_buy[1:], "sold": d_sell[1:], "cash": d_cash[1:], "inventory": inv, "cash_total": cash,
                          "submitted": submitted, "queue_ahead": ahead,
                          # historical messages this step's orders waited before reaching the book
                          "latency": delay,
                          # shares filled this step by source (unsigned; they sum to |bought| + |sold|)
                          "filled_by_executions": acc["from_exec"], "filled_by_crossing": acc["from_cross"],
                          "filled_by_agents": acc["from_agents"], "filled_taking": acc["taken"],
                          "filled_at_deadline": jnp.abs(resid),
                          # sum over passive fills of shares x the shares ahead of the filled order
                          "queue_ahead_x_filled": acc["at_fill"]}
        if cfg.debug:
            info["agent_messages"] = block
            info["historical_messages"] = hist
            info["replayed_messages"] = replayed
            # every row in the order it went through the book (agent blocks between historical segments)
            info["book_messages"] = jnp.concatenate([rows for _, rows in sequence], axis=0)

        obs = self._observe(new_state, params, rest_seen)
        dones = {t: jnp.full((cfg.count(t),), done) for t in self.learning_types}
        dones["__all__"] = done
        return obs, new_state, rewards, dones, info
