"""Percentage of volume (POV): an execution task that keeps pace with the market's traded volume.

The trader follows the market: by the end of each step it aims to have executed
``rate`` times the shares the historical flow has traded since the episode began
(executions, LOBSTER types 4 and 5, up to the previous step), never more than its task
``Q``. Each step its one order is set to the shortfall against that target, at the far
touch (a marketable limit order, so it participates now; any remainder rests there);
on the last step the remainder goes as a market order, like every execution-category
type. With ``rate`` at the share of the day's volume the task is of, POV is the classic
schedule-free benchmark beside TWAP; a low rate leaves most of the task to the deadline.

One parameter, ``params.agent["pov"]["rate"]`` (default 0.1), traced.
"""

from __future__ import annotations

import jax.numpy as jnp

from hftlab.env.agents.common import Orders
from hftlab.env.agents.execution import task_metrics, task_reward
from hftlab.env.agents.registry import AgentType


def act(inp) -> Orders:
    """Order for ``min(ceil(rate * volume), Q) - executed`` shares at the far touch."""
    target = jnp.minimum(jnp.ceil(inp.own["rate"] * inp.volume).astype(jnp.int32), inp.params.exec_qty)
    due = jnp.maximum(target - inp.executed, 0).astype(jnp.int32)
    d, view, n = inp.side, inp.view, inp.n
    far = jnp.where(d > 0, view.ask, view.bid).astype(jnp.int32)
    return Orders(
        want=jnp.ones((n, 1), bool), side=d[:, None], price=jnp.broadcast_to(far, (n,))[:, None], qty=due[:, None],
        market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


POV = AgentType(name="pov", category="execution", act=act, reward=task_reward, metrics=task_metrics,
                defaults=(("rate", 0.1),), doc="percentage of volume at the far touch")
