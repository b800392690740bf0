"""A stable digest of a :class:`~asng_opt.Space`'s description -- its names in order, each
variable's kind and parameters, each Choice's labels -- stored in an optimizer's ``state_dict()``
so that a checkpoint of one Space is not silently loaded into an optimizer on another with the
same kinds and counts (:func:`fingerprint`)."""

from __future__ import annotations

import hashlib
from typing import Any

from .variables import Choice, IntRange

__all__ = ["fingerprint"]

#: label types described by their value (their repr is the same in every process)
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _label(v: Any) -> str:
    """A label's description: type and repr for plain values (tuples of them too); only the type
    for other objects, whose repr may hold a memory address."""
    if isinstance(v, _PLAIN):
        return f"{type(v).__name__}:{v!r}"
    if type(v) is tuple:
        return "(" + ",".join(_label(x) for x in v) + ")"
    return f"{type(v).__module__}.{type(v).__qualname__}"


def _variable(var: Any) -> str:
    if isinstance(var, Choice):
        return "Choice[" + ",".join(_label(v) for v in var.values) + "]"
    if isinstance(var, IntRange):
        return f"IntRange({var.low},{var.high},{var.step})"
    return f"FloatRange({var.low!r},{var.high!r},{var.log})"


def fingerprint(variables: Any) -> str:
    """``"sha256:<hex>"`` of the description of ``variables`` (a mapping name -> Choice / IntRange /
    FloatRange, in the Space's order). Equal Spaces give equal fingerprints in every process;
    another name, order, label, range, step or scale gives another one (labels that are not plain
    values -- None, bool, int, float, complex, str, bytes, tuples of them -- count by type only)."""
    text = "\n".join(f"{name!r}={_variable(var)}" for name, var in variables.items())
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()
