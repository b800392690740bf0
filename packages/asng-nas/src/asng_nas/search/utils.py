"""Small shared helpers: atomic file writes, devices, autocast, JSON conversion."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "current_umask",
    "atomic_write_text",
    "atomic_torch_save",
    "to_jsonable",
    "resolve_device",
    "autocast",
    "seed_everything",
    "to_float",
    "check_batch_fits",
    "check_halves_fit",
]


_UMASK: int | None = None


def current_umask() -> int:
    """The process's file-mode creation mask (e.g. ``0o022``), read once and cached.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting and restoring it
    with :func:`os.umask` (not thread-safe for the instant it takes, hence done once)."""
    global _UMASK
    if _UMASK is None:
        try:
            with open("/proc/self/status") as fh:
                line = next(ln for ln in fh if ln.startswith("Umask:"))
            _UMASK = int(line.split()[1], 8)
        except (OSError, StopIteration, ValueError, IndexError):
            _UMASK = os.umask(0o022)
            os.umask(_UMASK)
    return _UMASK


def _atomic(path: str | Path, write: Any, mode: str) -> None:
    """Write ``path`` through a temporary file in its folder, then ``os.replace`` it over ``path``.

    ``tempfile.mkstemp`` creates the file with mode 0600; it is given the mode a plain ``open``
    would have given it (0666 minus the umask), so shared results are readable as usual."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (never half-written)."""
    _atomic(path, lambda fh: fh.write(text), "w")


def atomic_torch_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` to a temporary file, then rename it over ``path``."""
    _atomic(path, lambda fh: torch.save(obj, fh), "wb")


def to_jsonable(x: Any) -> Any:
    """numpy / torch values (also nested in dicts and lists) -> plain JSON types."""
    if isinstance(x, Mapping):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().tolist()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def dumps(x: Any) -> str:
    return json.dumps(to_jsonable(x), indent=2)


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``None`` / ``"auto"`` -> CUDA when available, else CPU."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def autocast(device: torch.device, enabled: bool = True) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA; a no-op elsewhere."""
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def seed_everything(seed: int) -> None:
    """Seed torch's global RNGs (CPU and CUDA) used for weight initialisation."""
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def to_float(x: Any) -> float:
    """A Python float from a (possibly 0-d, possibly low-precision) tensor or a number."""
    return float(x.detach().float().item()) if isinstance(x, torch.Tensor) else float(x)


def check_batch_fits(batch_size: int, available: int, what: str, name: str = "batch_size") -> None:
    """Raise ``ValueError`` (one line naming the batch size, the data size and what fits) when
    ``available`` items (``what``, e.g. "training images") do not fill one batch of
    ``batch_size``: a loader that drops its incomplete last batch would yield none (a search of
    zero iterations per epoch, a retraining that trains nothing).

    ``name``: the argument as the caller's user gave it, ``batch_size`` (Python: the message says
    ``batch_size=64``) or a flag such as ``--batch-size`` (the command line: ``--batch-size 64``).
    """
    if batch_size > available:
        given = f"{name} {batch_size}" if name.startswith("-") else f"{name}={batch_size}"
        raise ValueError(
            f"{given} is larger than the {available} {what}, so no batch is complete; "
            f"use a batch size of at most {available}"
        )


def check_halves_fit(batch_size: int, n_train: int, name: str = "batch_size") -> None:
    """:func:`check_batch_fits` for a search, whose ``n_train`` training images are split in
    halves (one trains the weights, the other theta): ``ValueError`` unless a half holds a batch
    (``name``: the argument's name in the message, as in :func:`check_batch_fits`)."""
    check_batch_fits(
        batch_size,
        n_train // 2,
        f"images in each half of the {n_train} training images (one half trains the weights, the other theta)",
        name,
    )
