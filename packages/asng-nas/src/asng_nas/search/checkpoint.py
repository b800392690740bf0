"""Checkpoint persistence of a search: weights, SGD state, ``ASNG.state_dict()`` (with its RNG),
the augmentation generator, the torch (and CUDA) RNG states, the epoch and the history, so that a
resumed run follows the same theta trajectory as an uninterrupted one.

A checkpoint is read with ``torch.load(..., weights_only=True)`` (tensors and plain data, plus
the numpy arrays of the ASNG state, allow-listed by :func:`safe_globals`) and checked as a whole
against the searcher before anything is loaded (:meth:`Checkpointer.check_state_dict`): a
refused checkpoint leaves the searcher as it was.
"""

from __future__ import annotations

import collections
import copy
import math
import pickle
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .utils import atomic_torch_save

if TYPE_CHECKING:
    from .searcher import Searcher

__all__ = ["Checkpointer", "CheckpointError", "FORMAT", "FREE_FIELDS", "diff_config", "read_checkpoint", "safe_globals"]

FORMAT = "asng-nas-search-v1"
_KEYS = ("epoch", "model", "sgd", "asng", "generator", "torch_rng", "search_seconds", "history")

#: the :class:`~.config.SearchConfig` fields a resume may change: they do not change the run's
#: trajectory (``world_size``: the lambdas, compared, fix what each step samples). Every other
#: field must be the checkpoint's -- also ``amp`` and ``channels_last`` (other numbers on CUDA)
#: and ``eval_every`` and ``bn_batches`` (an evaluation's BN re-estimation draws dropout and a
#: user's DataLoader order from the global RNG) -- and any field added later.
FREE_FIELDS = ("progress", "world_size")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message is one line naming the file, what is
    wrong with it and what to do."""


def safe_globals() -> list[Any]:
    """What ``torch.load(weights_only=True)`` must accept beyond tensors and plain data to read a
    search checkpoint: the numpy arrays (and their dtypes) of ``ASNG.state_dict()``, and the
    ``collections.Counter`` of a learning-rate scheduler's milestones (retraining checkpoints)."""
    try:
        from numpy._core.multiarray import _reconstruct  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]
    dtypes = {type(np.dtype(c)) for c in "?bBhHiIlLqQefdgFDG"}
    return [np.ndarray, np.dtype, _reconstruct, collections.Counter, *sorted(dtypes, key=lambda t: t.__name__)]


def load_torch_file(path: str | Path, fix: str, what: str = "torch file") -> Any:
    """What ``torch.save`` wrote to ``path``, read on the CPU with ``weights_only=True``.

    Args:
        fix: what the user can do about a bad file, appended to the error.
        what: what the file should be, in the errors ("... or not a torch file").

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: ``path`` is a folder; the file is empty, truncated, not a ``what``, or
            holds objects other than tensors / plain data / numpy arrays.
    """
    p = Path(path)
    if p.is_dir():
        raise CheckpointError(f"{p} is a folder, not a {what}; {fix}")
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise CheckpointError(f"{p} is empty (0 bytes): not a {what}; {fix}")
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "weights only" in first.lower():
            why = f"torch reads no tensors and plain data from it (not a {what}, or one holding other objects)"
        else:
            why = f"it cannot be unpickled ({first})"
        raise CheckpointError(f"{p}: {why}; {fix}") from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError, AttributeError, IndexError, TypeError) as e:
        first = str(e).strip().split(". ")[0].splitlines()[0] if str(e).strip() else ""
        detail = f" ({first})" if len(first) > 12 else ""
        raise CheckpointError(f"{p} is truncated or not a {what}{detail}; {fix}") from None


def read_checkpoint(path: str | Path, fmt: str | None, fix: str) -> dict[str, Any]:
    """The dict saved in ``path`` whose ``"format"`` entry is ``fmt`` (None: any dict with a
    ``"model"`` entry), read on the CPU with ``weights_only=True``.

    Args:
        fix: what the user can do about a bad file, appended to the error (e.g. "start a new
            search with --overwrite").

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: the file is empty, truncated, not a torch checkpoint, holds objects
            other than tensors / plain data / numpy arrays, or is not a ``fmt`` checkpoint.
    """
    p = Path(path)
    try:
        state = load_torch_file(p, fix, what="torch checkpoint")
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no checkpoint there") from None
    ok = isinstance(state, dict) and (state.get("format") == fmt if fmt else "model" in state)
    if not ok:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{p} is not an {fmt or 'asng-nas'} checkpoint (it holds {found!r}); {fix}")
    return state


def _diff_weights(ours: Mapping[str, torch.Tensor], theirs: Any) -> str | None:
    """What differs between two model state dicts (None: same keys, shapes and dtypes)."""
    if not isinstance(theirs, Mapping) or not all(isinstance(v, torch.Tensor) for v in theirs.values()):
        return "its 'model' entry is not a dict of tensors"
    missing = [k for k in ours if k not in theirs]
    extra = [k for k in theirs if k not in ours]
    shape = [k for k in ours if k in theirs and tuple(ours[k].shape) != tuple(theirs[k].shape)]
    if not (missing or extra or shape):
        return None
    parts = [f"{len(v)} {what}" for v, what in ((missing, "missing"), (extra, "unexpected"), (shape, "reshaped")) if v]
    example = (missing or extra or shape)[0]
    return f"its network differs from this one ({', '.join(parts)} weight tensors, e.g. {example!r})"


def _check_sgd(optimizer: torch.optim.Optimizer, sgd: Any) -> str | None:
    """What is wrong with an SGD state dict for ``optimizer`` (None: nothing)."""
    if not isinstance(sgd, Mapping) or not isinstance(sgd.get("param_groups"), list):
        return "its 'sgd' entry is not an optimizer state dict"
    groups = optimizer.param_groups
    if len(sgd["param_groups"]) != len(groups) or any(
        not isinstance(g, Mapping) or len(g.get("params", ())) != len(mine["params"])
        for g, mine in zip(sgd["param_groups"], groups)
    ):
        return "its SGD state is for another set of weights"
    params = [p for g in groups for p in g["params"]]
    ids = [i for g in sgd["param_groups"] for i in g["params"]]
    shape_of = {i: tuple(p.shape) for i, p in zip(ids, params)}
    for i, st in (sgd.get("state") or {}).items():
        buf = st.get("momentum_buffer") if isinstance(st, Mapping) else None
        if i not in shape_of or (buf is not None and tuple(buf.shape) != shape_of[i]):
            return "its SGD momentum buffers do not fit this network's weights"
    return None


def _check_rng(state: Any, reference: torch.Tensor, what: str) -> str | None:
    if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8 or state.numel() != reference.numel():
        return f"its {what} state is not a random-generator state of this torch"
    return None


def diff_config(saved: Any, config: Any) -> list[str]:
    """The fields (all but :data:`FREE_FIELDS`, in ``config``'s order) in which a checkpoint's
    ``config`` entry (``asdict`` of the config that wrote it) differs from ``config``, each as
    ``"lr 0.1 there, 0.05 now"``; none when ``saved`` is not a dict (a checkpoint without it). A
    field the checkpoint does not hold (written before the field existed) is not compared."""
    if not isinstance(saved, Mapping):
        return []
    now = asdict(config)
    return [
        f"{k} {_shown(saved[k])} there, {_shown(v)} now"
        for k, v in now.items()
        if k not in FREE_FIELDS and k in saved and saved[k] != v
    ]


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


class Checkpointer:
    """``out_dir/checkpoint.pt``: :meth:`state_dict` / :meth:`load_state_dict`, :meth:`save`, :meth:`resume`."""

    def __init__(self, searcher: Searcher):
        self.s = searcher  # the state (model, optimizer, asng, epoch, ...) lives on the searcher

    @property
    def path(self) -> Path:
        if self.s.out_dir is None:
            raise ValueError("this searcher has no out_dir")
        return self.s.out_dir / "checkpoint.pt"

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "epoch": self.s.epoch,
            "model": self.s.model.state_dict(),
            "sgd": self.s.optimizer.state_dict(),
            "asng": self.s.asng.state_dict(),
            "generator": self.s.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.s.cuda else None,
            "data_order": {"seed": self.s.cfg.seed, "next_epoch": self.s.epoch},
            "search_seconds": self.s.search_seconds,
            "history": self.s.history,
            "config": asdict(self.s.cfg),
        }

    def check_state_dict(self, state: Any) -> None:
        """Check that every part of ``state`` fits this searcher, without loading any of it.

        Raises:
            ValueError: one line saying what does not fit: not a search checkpoint, a missing
                entry, another network (e.g. another ``--cells``), an SGD state for other
                weights, an ASNG state ``ASNG.load_state_dict`` refuses (another space), a bad
                generator / RNG state, an epoch / history that do not agree, or a run written
                with other settings (its ``config`` but :data:`FREE_FIELDS`, each named:
                ``lr 0.1 there, 0.05 now``).
        """
        if not isinstance(state, Mapping) or state.get("format") != FORMAT:
            raise ValueError("not an asng-nas search checkpoint")
        missing = [k for k in _KEYS if k not in state]
        if missing:
            raise ValueError(f"the checkpoint lacks {', '.join(missing)}")
        problem = _diff_weights(self.s.model.state_dict(), state["model"]) or _check_sgd(self.s.optimizer, state["sgd"])
        if problem is None:
            try:  # ASNG checks a whole state before assigning; a copy keeps ours untouched
                copy.deepcopy(self.s.asng).load_state_dict(state["asng"])
            except (ValueError, TypeError, KeyError) as e:
                problem = f"its ASNG state does not fit this search space ({e})"
        problem = (
            problem
            or _check_rng(state["generator"], self.s.generator.get_state(), "augmentation generator")
            or _check_rng(state["torch_rng"], torch.get_rng_state(), "torch RNG")
        )
        if problem is None and self.s.cuda and state.get("cuda_rng") is not None:
            cuda_rng = state["cuda_rng"]
            if not isinstance(cuda_rng, list) or len(cuda_rng) != torch.cuda.device_count():
                problem = "its CUDA RNG states are for another number of GPUs"
        if problem is None:
            epoch, seconds, history = state["epoch"], state["search_seconds"], state["history"]
            if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
                problem = f"its epoch {epoch!r} is not a count of epochs"
            elif not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
                problem = f"its search time {seconds!r} is not a number of seconds"
            elif not isinstance(history, list) or len(history) != epoch:
                problem = f"its history does not hold one record per epoch ({epoch} epochs)"
        diff = [] if problem else diff_config(state.get("config"), self.s.cfg)
        if diff:
            problem = f"it was written by a search with other settings ({'; '.join(diff)})"
        if problem:
            raise ValueError(problem)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Load ``state`` (a :meth:`state_dict`) after :meth:`check_state_dict` accepted all of it;
        raises ``ValueError`` (and changes nothing) otherwise."""
        self.check_state_dict(state)
        self.s.model.load_state_dict(state["model"])
        self.s.optimizer.load_state_dict(state["sgd"])
        self.s.asng.load_state_dict(state["asng"])
        self.s.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.s.cuda and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.s.epoch = int(state["epoch"])
        self.s.search_seconds = float(state["search_seconds"])
        self.s.history = list(state["history"])

    def save(self) -> None:
        atomic_torch_save(self.s.state_dict(), self.path)

    def resume(self) -> bool:
        """Load ``out_dir/checkpoint.pt`` if it exists; returns whether it did.

        Raises:
            CheckpointError: one line naming the file when it is empty, truncated, foreign or
                does not fit this search (e.g. written with other ``--cells`` or ``--lr``), and
                what to do (the searcher's ``resume_fix``, in the words of its caller); the
                searcher is then unchanged.
        """
        if self.s.out_dir is None or not self.path.is_file():
            return False
        fix = self.s.resume_fix
        state = read_checkpoint(self.path, FORMAT, fix)
        try:
            self.s.load_state_dict(state)
        except ValueError as e:
            raise CheckpointError(f"{self.path}: {e}; {fix}") from None
        return True
