"""The error a sub-command raises when it was called wrongly (a folder that already holds results, a
folder without the files it needs): :func:`asng_bench.cli.main` prints it as one line and exits
with status 2, as argparse does for a bad flag."""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """A mistake in how a command was called; the message is the whole explanation (one line)."""
