"""argparse ``type=`` checks for the numeric flags of the sub-commands.

A value out of range is refused while the command line is parsed, so the user sees one usage
line naming the flag (``argument --delta0: must be a number > 0, got '-1'``), not a traceback.
"""

from __future__ import annotations

import argparse
import math

__all__ = ["positive_int", "non_negative_int", "positive_float", "alpha_value"]


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (runs, seeds per problem, jobs, repeats, budgets)."""
    value = _int(text, "an integer >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a first seed; a budget where 0 means "none")."""
    value = _int(text, "an integer >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (step sizes, learning rates)."""
    value = _float(text, "a number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def alpha_value(text: str) -> float:
    """ASNG's alpha: a finite number > 1."""
    value = _float(text, "a number > 1")
    if value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number > 1, got {text!r}")
    return value
