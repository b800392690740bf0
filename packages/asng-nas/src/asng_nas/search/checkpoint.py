"""Checkpoint persistence of a search: weights, SGD state, ``ASNG.state_dict()`` (with its RNG),
the augmentation generator, the torch (and CUDA) RNG states, the epoch and the history, so that a
resumed run follows the same theta trajectory as an uninterrupted one."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .utils import atomic_torch_save

if TYPE_CHECKING:
    from .searcher import Searcher

__all__ = ["Checkpointer"]


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
            "format": "asng-nas-search-v1",
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

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("format") != "asng-nas-search-v1":
            raise ValueError("not an asng-nas search checkpoint")
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
        """Load ``out_dir/checkpoint.pt`` if it exists; returns whether it did."""
        if self.s.out_dir is None or not self.path.is_file():
            return False
        state = torch.load(self.path, map_location="cpu", weights_only=False)
        self.s.load_state_dict(state)
        return True
