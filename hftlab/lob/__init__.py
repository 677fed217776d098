"""``hftlab.lob``: a limit order book in JAX with LOBSTER message semantics.

* :mod:`hftlab.lob.engine` — the book: :func:`from_l2`, :func:`apply`, :func:`replay`, :func:`l2`.
* :mod:`hftlab.lob.messages` — the message and trade row layouts.
* :mod:`hftlab.lob.lobster` — reading (:func:`load`) and writing LOBSTER files.
* :mod:`hftlab.lob.validate` — the validation protocols against LOBSTER orderbook files.
* :mod:`hftlab.lob.replays` — whole days and batches of windows replayed, checked and timed.
* :mod:`hftlab.lob.synthetic` — the project's own synthetic order flow.
* :mod:`hftlab.lob.reference` — plain-Python books (test oracle and speed baseline).
"""

from hftlab.lob.engine import (
    Book,
    apply,
    best_prices,
    capacity_for,
    capacity_needed,
    empty,
    from_l2,
    l2,
    replay,
    replay_l2,
)

__all__ = ["Book", "apply", "best_prices", "capacity_for", "capacity_needed", "empty", "from_l2", "l2", "replay",
           "replay_l2"]

from hftlab.lob.lobster import (  # noqa: E402
    LobsterDay,
    load,
    sample_day,
    sample_days,
    to_messages,
    write_day,
)
from hftlab.lob.reference import DictBook, ReferenceBook  # noqa: E402

__all__ += ["DictBook", "LobsterDay", "ReferenceBook", "load", "sample_day", "sample_days",
            "to_messages", "write_day"]
