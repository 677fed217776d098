"""The engine's message and trade layouts (fixed-width int32 rows).

Message row (``N_MSG_FIELDS`` = 8 columns)::

    TYPE  SIDE  PRICE  SIZE  OID  TRADER  TIME_S  TIME_NS

* ``TYPE``: the LOBSTER event type 1..7 (see below), or an engine extension for agents:
  ``MARKET`` (sweep the opposite side, remainder dropped) and ``IOC`` (match up to the
  limit price, remainder dropped). Type 0 (``NOOP``) is an empty row; it leaves the book
  unchanged and is how fixed-size buffers of agent messages are padded.
* ``SIDE``: LOBSTER's direction, +1 buy / -1 sell. For types 1, 2, 3, ``MARKET`` and
  ``IOC`` it is the side of the order itself; for types 4 and 5 it is the side of the
  *resting* order that was executed (so a type 4 with -1 is a buyer-initiated trade).
* ``PRICE``: dollars x 10 000 (LOBSTER's integer price); ignored by ``MARKET``.
* ``OID``: order id. Orders the book was seeded with (``from_l2``) have negative ids
  (minus their price).
* ``TRADER``: 0 for the historical order flow, >= 1 for agents.
* ``TIME_S``, ``TIME_NS``: the message time, seconds after midnight and nanoseconds.

LOBSTER event types: 1 new limit order, 2 partial cancellation, 3 full deletion,
4 execution of a visible order, 5 execution of a hidden order (book unchanged),
6 cross trade (unchanged), 7 trading halt (unchanged).

Trade row (``N_TRADE_FIELDS`` = 9 columns)::

    PRICE  QTY  PASSIVE_OID  AGGR_OID  PASSIVE_TRADER  AGGR_TRADER  TIME_S  TIME_NS  AGGR_SIDE

A type 4 message is a trade whose aggressor is not in the data: ``AGGR_OID`` = 0 and
``AGGR_TRADER`` = 0. ``AGGR_SIDE`` is the aggressor's direction (+1 buy, -1 sell).
Unused trade rows have ``QTY`` = 0.
"""

# message columns
TYPE, SIDE, PRICE, SIZE, OID, TRADER, TIME_S, TIME_NS = range(8)
N_MSG_FIELDS = 8

# message types
NOOP = 0
LIMIT = 1
CANCEL = 2
DELETE = 3
EXECUTE = 4
HIDDEN = 5
CROSS = 6
HALT = 7
MARKET = 8
IOC = 9
N_TYPES = 10

# trade columns
T_PRICE, T_QTY, T_PASSIVE_OID, T_AGGR_OID, T_PASSIVE_TRADER, T_AGGR_TRADER, T_TIME_S, T_TIME_NS, T_AGGR_SIDE = range(9)
N_TRADE_FIELDS = 9

BUY = 1
SELL = -1

# LOBSTER's placeholders for an empty level in orderbook files
EMPTY_ASK_PRICE = 9999999999
EMPTY_BID_PRICE = -9999999999
