"""``hftlab.env``: the multi-agent market on a replayed order book.

* :mod:`hftlab.env.base` — the environment contract (:class:`MultiAgentEnv`, :class:`Wrapper`, spaces);
* :mod:`hftlab.env.market` — :class:`MarketEnv` (``reset``, ``reset_window``, ``step``) and :class:`EnvState`;
* :mod:`hftlab.env.config` — :class:`EnvConfig` (static) and :class:`EnvParams` (a pytree);
* :mod:`hftlab.env.data` — :func:`load_market_data`, :func:`split_windows`, :class:`MarketData`;
* :mod:`hftlab.env.agents` — the agent types, records of one registry (:mod:`hftlab.env.agents.registry`);
* :mod:`hftlab.env.baselines` — fixed-policy baselines in a learning type's place, rollouts;
* :mod:`hftlab.env.wrappers` — :class:`FeatureSubset` (a learning type sees some observation columns).
"""

from hftlab.env.base import Box, Discrete, MultiAgentEnv, Wrapper
from hftlab.env.config import EnvConfig, EnvParams
from hftlab.env.data import MarketData, load_market_data, split_windows
from hftlab.env.market import EnvState, MarketEnv

__all__ = ["Box", "Discrete", "MultiAgentEnv", "Wrapper", "EnvConfig", "EnvParams", "EnvState", "MarketData", "MarketEnv", "load_market_data", "split_windows"]
