"""Subcommands of the ``hftlab`` console script, one module each (see ``hftlab.cli``)."""
