"""Batch helper: keep the old state where an update was skipped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def select(ok: np.ndarray, new: Any, old: Any) -> Any:
    """``new`` where ``ok`` (shape ``B``) holds, else ``old``; works on arrays and dicts of arrays."""
    if isinstance(new, Mapping):
        return {k: select(ok, new[k], old[k]) for k in new}
    new = np.asarray(new)
    ok_b = np.reshape(ok, np.shape(ok) + (1,) * (new.ndim - np.ndim(ok)))
    return np.where(ok_b, new, old)
