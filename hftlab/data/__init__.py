"""``hftlab.data``: many LOBSTER days, converted once to a memory-mapped cache.

* :mod:`hftlab.data.dataset` — :func:`open_days` (a folder or glob of days -> :class:`Dataset`),
  splits by date and within a day by time, episode windows across days (:class:`Windows`).
"""

from hftlab.data.dataset import Dataset, Windows, find_days, open_days

__all__ = ["Dataset", "Windows", "find_days", "open_days"]
