"""The ASNG-NAS alternating search loop, independent of the space, the network and the task.

One iteration (section 3.2):

1. weight step: ``lam_x`` architectures from p_theta on one mini-batch of the weight half;
   the mean of their losses is back-propagated, the gradient norm clipped, one SGD step;
2. theta step: ``lam_theta`` fresh architectures on one mini-batch of the theta half, forward
   only (no backprop) -> ``ASNG.tell``.

Both draws use the optimizer's own RNG (``ASNG.ask``), so a checkpoint holding the weights, the
SGD state, ``ASNG.state_dict()`` (with its RNG), the augmentation generator and the epoch makes a
resumed run follow the same theta trajectory as an uninterrupted one (data order is a function
of the seed and the epoch).

What the loop needs from its collaborators:

* ``space``: ``make_distribution()``, ``split(samples)``, ``decode(sample) -> arch``,
  ``describe(sample) -> dict`` (e.g. :class:`asng_nas.search.space.SearchSpace`);
* ``model(inputs, arch) -> outputs`` (an ``nn.Module``);
* ``task``: ``prepare(batch, train, generator) -> (inputs, targets)``,
  ``loss(outputs, targets) -> scalar tensor``, ``metrics(outputs, targets) -> {name: float}``
  (batch means) and ``metric`` (the name shown in the progress bar), see :class:`Task`;
* loaders: ``len(loader)`` and ``loader.epoch(e)`` yielding batches on the device.

:class:`Searcher` is a facade over four parts, one per job: :class:`~.steps.SearchSteps` (weight
step / theta step), :class:`~.evaluator.Evaluator` (BN recalibration + evaluation),
:class:`~.loop.EpochLoop` (the epoch loop, progress bar, logs, export) and
:class:`~.checkpoint.Checkpointer` (checkpoint + RNG persistence). The run's state (model,
optimizer, ASNG, generator, epoch, history) lives on the searcher; the parts call each other
through its public methods, so a subclass overriding one of them is honoured everywhere.

Multi-process search subclasses :class:`Searcher` and overrides :meth:`Searcher.local_indices`
(which of the drawn architectures this process evaluates), :meth:`Searcher.reduce_gradients`
and :meth:`Searcher.gather_losses`; every process then calls the same ``tell``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from asng_opt import ASNG

from .checkpoint import Checkpointer
from .config import BatchLoader, SearchConfig, SearchResult, Task
from .evaluator import Evaluator
from .loop import EpochLoop, cosine_lr, write_logs
from .steps import SearchSteps

__all__ = ["SearchConfig", "Searcher", "SearchResult", "Task", "BatchLoader", "cosine_lr", "write_logs"]


class Searcher:
    """Runs the alternating ASNG-NAS loop with logs, checkpoints and resume.

    Args:
        model: ``model(inputs, arch) -> outputs``; moved to ``device``.
        space: the search space (see module docstring).
        task: loss, metrics and batch preparation (augmentation, masks).
        weight_loader, theta_loader: the two halves of the training data.
        test_loader: data on which the most likely architecture is evaluated (optional).
        config: :class:`SearchConfig`.
        out_dir: where ``checkpoint.pt``, ``log.csv``, ``log.jsonl`` and the export go
            (None: nothing is written).
        device: the training device (default: the model's).
        export: called as ``export(out_dir, space, distribution, theta, extra=dict)`` at the end of
            the run (default: :func:`asng_nas.search.export.export_architecture`).

    Raises:
        ValueError: the weight or the theta loader yields no batch (``len`` 0, e.g. a batch size
            larger than its data with incomplete batches dropped: an epoch would have no
            iteration), or ``config.total_iterations`` does not end in the last epoch.
    """

    #: what the non-finite-loss error advises (the CLI's words; the Python API's searcher has its own)
    retry_hint = "try a lower --lr, then --resume"
    #: what a refused checkpoint's error advises (the CLI's words; the Python API's searcher has its own)
    resume_fix = (
        "resume with the flags of the search that wrote it, or start a new search (--overwrite, or another --out)"
    )

    def __init__(
        self,
        model: nn.Module,
        space: Any,
        task: Task,
        weight_loader: BatchLoader,
        theta_loader: BatchLoader,
        test_loader: BatchLoader | None = None,
        config: SearchConfig | None = None,
        out_dir: str | Path | None = None,
        device: torch.device | str | None = None,
        export: Any = None,
    ):
        _check_loaders(weight_loader, theta_loader)
        self.cfg = config or SearchConfig()
        self.device = torch.device(device) if device else next(model.parameters()).device
        self.cuda = self.device.type == "cuda"
        self.model = model.to(self.device)
        if self.cuda and self.cfg.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.space, self.task = space, task
        self.weight_loader, self.theta_loader, self.test_loader = (
            weight_loader,
            theta_loader,
            test_loader,
        )
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.export = export
        self.optimizer = torch.optim.SGD(
            self.model.parameters(),
            lr=self.cfg.lr,
            momentum=self.cfg.momentum,
            weight_decay=self.cfg.weight_decay,
        )
        self.asng = ASNG(
            space.make_distribution(),
            lam=self.cfg.lam_theta,
            alpha=self.cfg.alpha,
            delta0=self.cfg.delta0,
            seed=self.cfg.seed,
        )
        self.generator = torch.Generator(device=self.device).manual_seed(self.cfg.seed + 1)
        self.epoch = 0  # completed epochs
        self.search_seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.steps = SearchSteps(self)
        self.evaluator = Evaluator(self)
        self.loop = EpochLoop(self)
        self.checkpoints = Checkpointer(self)
        self.loop.check_total()

    # ---- distributed hooks (single process: identity) ---------------------------------------
    def local_indices(self, k: int) -> Sequence[int]:
        """Which of ``k`` drawn architectures this process evaluates (all of them here)."""
        return range(k)

    def reduce_gradients(self) -> None:
        """Combine gradients across processes (nothing to do in one process)."""

    def gather_losses(self, local: dict[int, float], k: int) -> np.ndarray:
        """The ``(k,)`` losses of all drawn architectures from this process's ``{index: loss}``."""
        return np.array([local[j] for j in range(k)], dtype=float)

    # ---- one iteration (SearchSteps) ----------------------------------------------------------
    @property
    def iters_per_epoch(self) -> int:
        """The iterations of a whole epoch (the last may have fewer: :meth:`iters_in`)."""
        return self.loop.iters_per_epoch

    def iters_in(self, epoch: int) -> int:
        """The iterations of epoch ``epoch`` (from 0); fewer than :attr:`iters_per_epoch` only in
        the last, when ``config.total_iterations`` cuts it short."""
        return self.loop.iters_in(epoch)

    def lr_at(self, epoch: int, it: int) -> float:
        return self.loop.lr_at(epoch, it)

    def weight_step(self, batch: Any) -> tuple[float, dict[str, float]]:
        """Draw ``lam_x`` architectures, back-propagate their mean loss on ``batch``, SGD step.

        Returns the mean loss and the mean metrics of the evaluated architectures.
        """
        return self.steps.weight(batch)

    def theta_step(self, batch: Any) -> np.ndarray:
        """Draw ``lam_theta`` architectures, evaluate their losses on ``batch`` (no backprop) and
        update the distribution. Returns the ``(lam_theta,)`` losses."""
        return self.steps.theta(batch)

    # ---- evaluation (Evaluator) ---------------------------------------------------------------
    def recalibrate_bn(self, arch: Any, n_batches: int) -> None:
        """Re-estimate the BN running statistics for ``arch`` (see :meth:`Evaluator.recalibrate_bn`)."""
        self.evaluator.recalibrate_bn(arch, n_batches)

    def evaluate(self, arch: Any = None, loader: BatchLoader | None = None) -> dict[str, float]:
        """Mean loss and metrics of ``arch`` (default: the most likely one) on ``loader``
        (default: the test loader), BN in eval mode after :meth:`recalibrate_bn`."""
        return self.evaluator.evaluate(arch, loader)

    # ---- the loop (EpochLoop) -----------------------------------------------------------------
    def run_epoch(self) -> dict[str, Any]:
        """One epoch of alternating steps, then (maybe) evaluation; returns its log record."""
        return self.loop.run_epoch()

    def run(self, stop_after: int | None = None) -> SearchResult:
        """Search until ``config.epochs`` (or, if given, until ``stop_after`` epochs are
        complete, as if the run had been killed there). Checkpoints and logs after each epoch;
        exports the most likely architecture when the search is complete."""
        return self.loop.run(stop_after)

    def write_logs(self) -> None:
        """Rewrite ``log.csv`` and ``log.jsonl`` from the history (atomic; resume-safe)."""
        assert self.out_dir is not None
        write_logs(self.out_dir, self.history)

    # ---- persistence (Checkpointer) -----------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoints.path

    def state_dict(self) -> dict[str, Any]:
        return self.checkpoints.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.checkpoints.load_state_dict(state)

    def save_checkpoint(self) -> None:
        self.checkpoints.save()

    def resume(self) -> bool:
        """Load ``out_dir/checkpoint.pt`` if it exists; returns whether it did."""
        return self.checkpoints.resume()


def _check_loaders(weight_loader: BatchLoader, theta_loader: BatchLoader) -> None:
    """Raise ``ValueError`` naming the loader(s) of no batch (``len`` 0): every iteration takes a
    batch of each, so the epochs would be empty."""
    empty = [name for name, loader in (("weight", weight_loader), ("theta", theta_loader)) if len(loader) < 1]
    if empty:
        raise ValueError(
            f"the {' and the '.join(empty)} loader yields no batch (len 0), and every iteration takes one batch "
            "of each; use a smaller batch size or more data"
        )
