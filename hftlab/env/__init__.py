"""``hftlab.env``: the multi-agent market on a replayed order book.

* :mod:`hftlab.env.market` — :class:`MarketEnv` (``reset``, ``reset_window``, ``step``) and :class:`EnvState`;
* :mod:`hftlab.env.config` — :class:`EnvConfig` (static) and :class:`EnvParams` (a pytree);
* :mod:`hftlab.env.data` — :func:`load_market_data`, :func:`split_windows`, :class:`MarketData`;
* :mod:`hftlab.env.agents` — the agent types (execution, market making, fixed policies);
* :mod:`hftlab.env.baselines` — fixed-policy baselines in a learning type's place.
"""

from hftlab.env.config import EnvConfig, EnvParams
from hftlab.env.data import MarketData, load_market_data, split_windows
from hftlab.env.market import EnvState, MarketEnv

__all__ = ["EnvConfig", "EnvParams", "EnvState", "MarketData", "MarketEnv", "load_market_data", "split_windows"]
