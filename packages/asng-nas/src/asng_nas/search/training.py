"""The training loop shared by the retrainings: one saved / restored :class:`TrainState` and a loop
of steps (an epoch, an iteration, ...) followed by callbacks (records, logs, checkpoints, progress).

A checkpoint holds the weights, the optimizer and the scheduler, the task's generator, the torch
(and CUDA) RNG states, the number of completed steps, the training seconds, the history and a
free ``extra`` dictionary (e.g. the position in the data order), so that a resumed run continues
exactly as an uninterrupted one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .utils import atomic_torch_save

__all__ = ["TrainState", "Callback", "CheckpointCallback", "train_loop"]

FORMAT = "asng-nas-train-v1"


class TrainState:
    """Everything a training run changes: ``model``, ``optimizer``, optional ``scheduler`` and
    ``generator``, plus ``step`` (completed steps), ``seconds``, ``history`` and ``extra``."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        device: torch.device,
        generator: torch.Generator | None = None,
        scheduler: Any = None,
    ):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.generator, self.device = generator, device
        self.step = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "generator": self.generator.get_state() if self.generator is not None else None,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None,
            "step": self.step,
            "seconds": self.seconds,
            "history": self.history,
            "extra": self.extra,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("format") != FORMAT:  # the cell retraining's checkpoints before this module
            state = {**state, "optimizer": state["sgd"], "step": state["epoch"]}
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.generator is not None and state.get("generator") is not None:
            self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.history = list(state["history"])
        self.extra = dict(state.get("extra") or {})

    def save(self, path: str | Path) -> None:
        """Atomic ``torch.save`` of :meth:`state_dict` to ``path``."""
        atomic_torch_save(self.state_dict(), path)

    def resume(self, path: str | Path) -> bool:
        """Load the checkpoint at ``path`` if it exists; returns whether it did."""
        p = Path(path)
        if not p.is_file():
            return False
        self.load_state_dict(torch.load(p, map_location="cpu", weights_only=False))
        return True


Callback = Callable[[TrainState, dict[str, Any]], None]
"""Called after each step with the state (``step`` already counts it) and the step's record."""


class CheckpointCallback:
    """Save the state to ``path`` every ``every`` steps and after the last (``total``) one."""

    def __init__(self, path: str | Path, total: int, every: int = 1):
        self.path, self.total, self.every = Path(path), total, every

    def __call__(self, state: TrainState, record: dict[str, Any]) -> None:
        if (self.every > 0 and state.step % self.every == 0) or state.step >= self.total:
            state.save(self.path)


def train_loop(
    state: TrainState,
    total: int,
    step: Callable[[TrainState], dict[str, Any]],
    callbacks: Sequence[Callback] = (),
) -> TrainState:
    """Run ``step(state)`` until ``state.step == total``; after each, add its duration to
    ``state.seconds``, count it in ``state.step`` and call the ``callbacks`` in order."""
    while state.step < total:
        t0 = time.perf_counter()
        record = step(state)
        state.seconds += time.perf_counter() - t0
        state.step += 1
        for cb in callbacks:
            cb(state, record)
    return state
