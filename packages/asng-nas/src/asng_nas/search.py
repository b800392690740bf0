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
  ``describe(sample) -> dict`` (e.g. :class:`asng_nas.space.SearchSpace`);
* ``model(inputs, arch) -> outputs`` (an ``nn.Module``);
* ``task``: ``prepare(batch, train, generator) -> (inputs, targets)``,
  ``loss(outputs, targets) -> scalar tensor``, ``metrics(outputs, targets) -> {name: float}``
  (batch means) and ``metric`` (the name shown in the progress bar), see :class:`Task`;
* loaders: ``len(loader)`` and ``loader.epoch(e)`` yielding batches on the device.

Multi-process search subclasses :class:`Searcher` and overrides :meth:`Searcher.local_indices`
(which of the drawn architectures this process evaluates), :meth:`Searcher.reduce_gradients`
and :meth:`Searcher.gather_losses`; every process then calls the same ``tell``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from asng_opt import ASNG

from .space import mean_max_theta
from .utils import atomic_torch_save, atomic_write_text, autocast, to_jsonable

__all__ = ["SearchConfig", "Searcher", "SearchResult", "Task", "BatchLoader", "cosine_lr"]


class Task(Protocol):
    """What the search loop needs to know about the learning problem."""

    metric: str

    def prepare(self, batch: Any, train: bool, generator: torch.Generator | None) -> tuple[Any, Any]: ...

    def loss(self, outputs: Any, targets: Any) -> torch.Tensor: ...

    def metrics(self, outputs: Any, targets: Any) -> dict[str, float]: ...


class BatchLoader(Protocol):
    def __len__(self) -> int: ...

    def epoch(self, epoch: int) -> Iterator[Any]: ...


@dataclass
class SearchConfig:
    """Hyper-parameters of the search (defaults: the paper's CIFAR-10 search)."""

    epochs: int = 100
    lr: float = 0.025
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    lam_x: int = 2
    lam_theta: int = 2
    alpha: float = 1.5
    delta0: float = 1.0
    seed: int = 0
    schedule: str = "epoch"  # cosine annealing per "epoch" or per "iteration"
    iters_per_epoch: int | None = None  # cap on iterations per epoch (None: the whole half)
    eval_every: int = 1  # evaluate the most likely architecture every k epochs (0: at the end)
    bn_batches: int = 10  # weight-half batches that re-estimate BN statistics before evaluation
    amp: bool = True  # bf16 autocast (CUDA only)
    channels_last: bool = True  # (CUDA only)
    progress: bool = True

    def __post_init__(self) -> None:
        if self.schedule not in ("epoch", "iteration"):
            raise ValueError(f"schedule must be 'epoch' or 'iteration', got {self.schedule!r}")
        if self.epochs < 1 or self.lam_x < 1 or self.lam_theta < 2:
            raise ValueError("need epochs >= 1, lam_x >= 1 and lam_theta >= 2")


@dataclass
class SearchResult:
    """Outcome of :meth:`Searcher.run`."""

    most_likely: Any
    architecture: Any
    history: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = True


def cosine_lr(lr: float, lr_min: float, t: float, total: float) -> float:
    """Cosine annealing from ``lr`` (t = 0) to ``lr_min`` (t = total)."""
    return lr_min + 0.5 * (lr - lr_min) * (1.0 + math.cos(math.pi * min(t, total) / total))


def _item(x: Any) -> float:
    return float(x.detach().float().item()) if isinstance(x, torch.Tensor) else float(x)


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
            the run (default: :func:`asng_nas.export.export_architecture`).
    """

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

    # ---- distributed hooks (single process: identity) ---------------------------------------
    def local_indices(self, k: int) -> Sequence[int]:
        """Which of ``k`` drawn architectures this process evaluates (all of them here)."""
        return range(k)

    def reduce_gradients(self) -> None:
        """Combine gradients across processes (nothing to do in one process)."""

    def gather_losses(self, local: dict[int, float], k: int) -> np.ndarray:
        """The ``(k,)`` losses of all drawn architectures from this process's ``{index: loss}``."""
        return np.array([local[j] for j in range(k)], dtype=float)

    # ---- one iteration ------------------------------------------------------------------------
    @property
    def iters_per_epoch(self) -> int:
        n = min(len(self.weight_loader), len(self.theta_loader))
        if self.cfg.iters_per_epoch:
            n = min(n, int(self.cfg.iters_per_epoch))
        return n

    def lr_at(self, epoch: int, it: int) -> float:
        c = self.cfg
        if c.schedule == "epoch":
            return cosine_lr(c.lr, c.lr_min, epoch, c.epochs)
        n = self.iters_per_epoch
        return cosine_lr(c.lr, c.lr_min, epoch * n + it, c.epochs * n)

    def weight_step(self, batch: Any) -> tuple[float, dict[str, float]]:
        """Draw ``lam_x`` architectures, back-propagate their mean loss on ``batch``, SGD step.

        Returns the mean loss and the mean metrics of the evaluated architectures.
        """
        self.model.train()
        samples = self.space.split(self.asng.ask(self.cfg.lam_x))
        inputs, targets = self.task.prepare(batch, True, self.generator)
        self.optimizer.zero_grad(set_to_none=True)
        losses, metrics = [], []
        for j in self.local_indices(len(samples)):
            arch = self.space.decode(samples[j])
            with autocast(self.device, self.cfg.amp):
                out = self.model(inputs, arch)
                loss = self.task.loss(out, targets)
            (loss / len(samples)).backward()
            losses.append(_item(loss))
            metrics.append(self.task.metrics(out.detach() if hasattr(out, "detach") else out, targets))
        self.reduce_gradients()
        if self.cfg.grad_clip and self.cfg.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        mean_metrics = {k: float(np.mean([m[k] for m in metrics])) for k in metrics[0]}
        return float(np.mean(losses)), mean_metrics

    @torch.no_grad()
    def theta_step(self, batch: Any) -> np.ndarray:
        """Draw ``lam_theta`` architectures, evaluate their losses on ``batch`` (no backprop) and
        update the distribution. Returns the ``(lam_theta,)`` losses."""
        self.model.train()
        drawn = self.asng.ask(self.cfg.lam_theta)
        samples = self.space.split(drawn)
        inputs, targets = self.task.prepare(batch, True, self.generator)
        local = {}
        for j in self.local_indices(len(samples)):
            with autocast(self.device, self.cfg.amp):
                out = self.model(inputs, self.space.decode(samples[j]))
                local[j] = _item(self.task.loss(out, targets))
        losses = self.gather_losses(local, len(samples))
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(
                f"non-finite architecture losses {losses.tolist()} at epoch {self.epoch + 1}; theta was not "
                "updated and the checkpoint of the last complete epoch is intact (try a lower --lr, then --resume)"
            )
        self.asng.tell(drawn, losses)
        return losses

    @torch.no_grad()
    def recalibrate_bn(self, arch: Any, n_batches: int) -> None:
        """Re-estimate the BN running statistics for ``arch`` from ``n_batches`` un-augmented
        batches of the weight half (cumulative averages). The supernet's running statistics
        mix many architectures; this makes evaluation of one of them meaningful. Training uses
        batch statistics, so this has no effect on the search itself."""
        bns = [m for m in self.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if n_batches <= 0 or not bns:
            return
        saved = [m.momentum for m in bns]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None
        self.model.train()
        batches = self.weight_loader.epoch(0)
        for _ in range(min(n_batches, len(self.weight_loader))):
            inputs, _ = self.task.prepare(next(batches), False, None)
            with autocast(self.device, self.cfg.amp):
                self.model(inputs, arch)
        for m, mom in zip(bns, saved):
            m.momentum = mom

    @torch.no_grad()
    def evaluate(self, arch: Any = None, loader: BatchLoader | None = None) -> dict[str, float]:
        """Mean loss and metrics of ``arch`` (default: the most likely one) on ``loader``
        (default: the test loader), BN in eval mode after :meth:`recalibrate_bn`."""
        loader = loader or self.test_loader
        if loader is None:
            return {}
        if arch is None:
            arch = self.space.decode(self.asng.most_likely())
        self.recalibrate_bn(arch, self.cfg.bn_batches)
        self.model.eval()
        sums: dict[str, float] = {}
        n = 0
        for batch in loader.epoch(0):
            inputs, targets = self.task.prepare(batch, False, None)
            with autocast(self.device, self.cfg.amp):
                out = self.model(inputs, arch)
                loss = _item(self.task.loss(out, targets))
            b = _batch_size(targets)
            vals = {"loss": loss, **self.task.metrics(out, targets)}
            for k, v in vals.items():
                sums[k] = sums.get(k, 0.0) + v * b
            n += b
        self.model.train()
        return {k: v / max(n, 1) for k, v in sums.items()}

    # ---- the loop -----------------------------------------------------------------------------
    def _sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def run_epoch(self) -> dict[str, Any]:
        """One epoch of alternating steps, then (maybe) evaluation; returns its log record."""
        from tqdm.auto import tqdm

        e, n = self.epoch, self.iters_per_epoch
        w_iter = iter(self.weight_loader.epoch(2 * e))
        t_iter = iter(self.theta_loader.epoch(2 * e + 1))
        sums = {"train_loss": 0.0, "theta_loss": 0.0}
        msum: dict[str, float] = {}
        metric = getattr(self.task, "metric", "")
        bar = tqdm(
            total=n,
            desc=f"search {e + 1}/{self.cfg.epochs}",
            disable=not self.cfg.progress,
            leave=False,
            dynamic_ncols=True,
        )
        self._sync()
        t0 = time.perf_counter()
        for it in range(n):
            lr = self.lr_at(e, it)
            for g in self.optimizer.param_groups:
                g["lr"] = lr
            loss, mets = self.weight_step(next(w_iter))
            th = self.theta_step(next(t_iter))
            sums["train_loss"] += loss
            sums["theta_loss"] += float(np.mean(th))
            for k, v in mets.items():
                msum[k] = msum.get(k, 0.0) + v
            if self.cfg.progress:
                post = {"loss": f"{sums['train_loss'] / (it + 1):.3f}"}
                if metric in msum:
                    post[metric[:3]] = f"{msum[metric] / (it + 1):.3f}"
                post["delta"] = f"{self.asng.delta:.3g}"
                post["theta"] = f"{self._mean_max_theta():.3f}"
                bar.set_postfix(post, refresh=False)
                bar.update(1)
        bar.close()
        self._sync()
        self.search_seconds += time.perf_counter() - t0
        self.epoch += 1
        rec: dict[str, Any] = {
            "epoch": self.epoch,
            "lr": self.lr_at(e, 0),
            "train_loss": sums["train_loss"] / n,
            **{f"train_{k}": v / n for k, v in msum.items()},
            "theta_loss": sums["theta_loss"] / n,
            "delta": self.asng.delta,
            "mean_max_theta": self._mean_max_theta(),
            "search_seconds": self.search_seconds,
        }
        ev = self.cfg.eval_every
        if self.test_loader is not None and ((ev and self.epoch % ev == 0) or self.epoch == self.cfg.epochs):
            t1 = time.perf_counter()
            res = self.evaluate()
            rec.update({f"test_{k}": v for k, v in res.items()})
            rec["eval_seconds"] = time.perf_counter() - t1
        rec["most_likely"] = to_jsonable(self.asng.most_likely())
        return rec

    def _mean_max_theta(self) -> float:
        summary = getattr(self.space, "summary", None)
        d = self.asng.distribution
        return float(summary(d, self.asng.theta)) if summary else mean_max_theta(d, self.asng.theta)

    def run(self, stop_after: int | None = None) -> SearchResult:
        """Search until ``config.epochs`` (or, if given, until ``stop_after`` epochs are
        complete, as if the run had been killed there). Checkpoints and logs after each epoch;
        exports the most likely architecture when the search is complete."""
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        end = self.cfg.epochs if stop_after is None else min(self.cfg.epochs, stop_after)
        while self.epoch < end:
            rec = self.run_epoch()
            self.history.append(rec)
            if self.out_dir is not None:
                self.save_checkpoint()
                self.write_logs()
            if self.cfg.progress:
                shown = {k: v for k, v in rec.items() if k != "most_likely"}
                print(json.dumps(to_jsonable(_round(shown))), flush=True)
        finished = self.epoch >= self.cfg.epochs
        ml = self.asng.most_likely()
        if finished and self.out_dir is not None:
            export = self.export
            if export is None:
                from .export import export_architecture as export
            export(self.out_dir, self.space, self.asng.distribution, self.asng.theta, extra=self._export_extra())
        return SearchResult(ml, self.space.decode(ml), list(self.history), finished)

    def _export_extra(self) -> dict[str, Any]:
        last = self.history[-1] if self.history else {}
        return {
            "epochs": self.epoch,
            "delta": self.asng.delta,
            "search_seconds": self.search_seconds,
            "final": {k: v for k, v in last.items() if k.startswith("test_")},
            "config": asdict(self.cfg),
        }

    # ---- persistence --------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        if self.out_dir is None:
            raise ValueError("this searcher has no out_dir")
        return self.out_dir / "checkpoint.pt"

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": "asng-nas-search-v1",
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "sgd": self.optimizer.state_dict(),
            "asng": self.asng.state_dict(),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.cuda else None,
            "data_order": {"seed": self.cfg.seed, "next_epoch": self.epoch},
            "search_seconds": self.search_seconds,
            "history": self.history,
            "config": asdict(self.cfg),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("format") != "asng-nas-search-v1":
            raise ValueError("not an asng-nas search checkpoint")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["sgd"])
        self.asng.load_state_dict(state["asng"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.cuda and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.epoch = int(state["epoch"])
        self.search_seconds = float(state["search_seconds"])
        self.history = list(state["history"])

    def save_checkpoint(self) -> None:
        atomic_torch_save(self.state_dict(), self.checkpoint_path)

    def resume(self) -> bool:
        """Load ``out_dir/checkpoint.pt`` if it exists; returns whether it did."""
        if self.out_dir is None or not self.checkpoint_path.is_file():
            return False
        state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=False)
        self.load_state_dict(state)
        return True

    def write_logs(self) -> None:
        """Rewrite ``log.csv`` and ``log.jsonl`` from the history (atomic; resume-safe)."""
        assert self.out_dir is not None
        write_logs(self.out_dir, self.history)


def _batch_size(targets: Any) -> int:
    if isinstance(targets, torch.Tensor):
        return int(targets.shape[0])
    if isinstance(targets, (tuple, list)):
        return _batch_size(targets[0])
    return 1


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in d.items()}


def write_logs(out_dir: Path, history: Iterable[dict[str, Any]], stem: str = "log") -> None:
    """Per-epoch records -> ``{stem}.jsonl`` (all fields) and ``{stem}.csv`` (scalar fields)."""
    history = list(history)
    lines = "".join(json.dumps(to_jsonable(r)) + "\n" for r in history)
    atomic_write_text(out_dir / f"{stem}.jsonl", lines)
    cols: list[str] = []
    for r in history:
        cols += [k for k, v in r.items() if k not in cols and not isinstance(v, (list, dict))]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for r in history:
        w.writerow({k: r.get(k, "") for k in cols})
    atomic_write_text(out_dir / f"{stem}.csv", buf.getvalue())
