"""The built-in agent types, one registry entry each (:mod:`hftlab.env.agents.registry`).

Layout and trader ids follow the order of ``EnvConfig.agents``, not this list.
"""

from __future__ import annotations

from hftlab.env.agents import execution as ex
from hftlab.env.agents import fixed
from hftlab.env.agents import market_making as mm
from hftlab.env.agents.pov import POV
from hftlab.env.agents.registry import AgentType, register

EXECUTION = register(AgentType(
    name="execution", category="execution", act=ex.act, observe=ex.observe_input, num_actions=ex.num_actions,
    obs_size=ex.obs_size, action_labels=ex.action_labels, reward=ex.task_reward, metrics=ex.task_metrics,
    doc="learning: buy or sell Q shares within T steps"))
MARKET_MAKING = register(AgentType(
    name="market_making", category="quoting", slots=2, act=mm.act, observe=mm.observe_input,
    num_actions=mm.num_actions, obs_size=mm.obs_size, action_labels=mm.action_labels, reward=mm.quoting_reward,
    metrics=mm.quoting_metrics, doc="learning: quote a bid and an ask, carry inventory"))
TWAP_NEAR = register(AgentType(
    name="twap_near", category="execution", act=fixed.twap_near, reward=ex.task_reward, metrics=ex.task_metrics,
    doc="TWAP schedule at the near touch"))
TWAP_FAR = register(AgentType(
    name="twap_far", category="execution", act=fixed.twap_far, reward=ex.task_reward, metrics=ex.task_metrics,
    doc="TWAP schedule at the far touch"))
register(POV)
SPREAD_RULE = register(AgentType(
    name="spread_rule", category="execution", act=fixed.spread_rule, reward=ex.task_reward, metrics=ex.task_metrics,
    defaults=(("threshold", 2.0), ("multiple", 1.0)),
    doc="TWAP due x multiple, near touch when the spread >= threshold ticks, else far touch"))
NULL_MM = register(AgentType(
    name="null_mm", category="quoting", slots=2, act=fixed.null_quotes, reward=mm.quoting_reward,
    metrics=mm.quoting_metrics, doc="never quotes (PnL 0)"))
FIXED_SPREAD = register(AgentType(
    name="fixed_spread", category="quoting", slots=2, act=fixed.fixed_spread, reward=mm.quoting_reward,
    metrics=mm.quoting_metrics, defaults=(("half_spread", 2.0),), doc="quotes mid -/+ half_spread ticks"))
AVELLANEDA_STOIKOV = register(AgentType(
    name="avellaneda_stoikov", category="quoting", slots=2, act=fixed.avellaneda_stoikov, reward=mm.quoting_reward,
    metrics=mm.quoting_metrics, defaults=(("gamma", 0.1), ("kappa", 1.5), ("sigma", 1.0)),
    doc="Avellaneda-Stoikov reservation price and spread (sigma in ticks per step)"))
NOISE = register(AgentType(
    name="noise", category="other", act=fixed.noise, reward=mm.quoting_reward, metrics=mm.quoting_metrics,
    defaults=(("prob", 0.5), ("market_prob", 0.2), ("max_size", 100), ("levels", 5)),
    doc="zero-intelligence limit and market orders"))
