"""Named records of one kind — agent types of the market, bandit algorithms: one mechanism for both.

A record has a ``name`` and may have a ``check()`` that raises :class:`~hftlab.errors.InputError`
when it is incomplete. Registering is one call; an unknown or taken name is a one-line error
naming the registered ones. :meth:`Registry.scratch` forgets what is registered inside it (tests,
throwaway records in a notebook).
"""

from __future__ import annotations

from contextlib import contextmanager

from hftlab.errors import InputError


class Registry:
    """Records of one ``kind`` (used in messages, e.g. ``"agent type"``), in registration order."""

    def __init__(self, kind: str):
        self.kind = kind
        self._records: dict = {}

    def register(self, record, replace: bool = False):
        """Check ``record`` and add it; a taken name is an error unless ``replace``. Returns the record."""
        check = getattr(record, "check", None)
        if check is not None:
            check()
        if record.name in self._records and not replace:
            raise InputError(f"{self.kind} {record.name!r} is already registered (registered: {', '.join(self._records)})")
        self._records[record.name] = record
        return record

    def get(self, name: str):
        """The record called ``name``; unknown: a one-line error naming the registered ones."""
        if name not in self._records:
            raise InputError(f"unknown {self.kind} {name!r} (registered: {', '.join(self._records)})")
        return self._records[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._records)

    def records(self) -> tuple:
        return tuple(self._records.values())

    def __contains__(self, name) -> bool:
        return name in self._records

    @contextmanager
    def scratch(self):
        """Registrations made inside the block are undone when it ends."""
        saved = dict(self._records)
        try:
            yield self
        finally:
            self._records = saved
