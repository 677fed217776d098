"""The package's one error type for bad input.

Every loader, constructor and command raises :class:`InputError` with a one-line
message naming the offending file / argument and the problem; the ``hftlab`` command
turns it into ``hftlab: error: <message>`` and exit code 2.
"""


class InputError(ValueError):
    """Bad user input: a missing or malformed file, a wrong shape, an impossible config."""
