"""The epoch loop of the search: learning-rate schedule, alternating steps with a progress bar,
evaluation, per-epoch logs and checkpoints, and the export at the end.

Steps, evaluation, checkpoints and logs are called through the searcher (:meth:`Searcher.run_epoch`,
:meth:`Searcher.weight_step`, :meth:`Searcher.save_checkpoint`, ...), so a subclass that overrides
them (e.g. only rank 0 writes) is honoured.

The loop is not written on :func:`~.training.train_loop` (the retrainings' loop): that loop counts
each step in ``TrainState.step`` and adds the step's whole duration to ``TrainState.seconds``,
while here :meth:`Searcher.run_epoch` (a hook that subclasses override and the distributed
benchmark calls on its own) advances ``Searcher.epoch`` itself and adds only its timed training
part (no evaluation) to ``Searcher.search_seconds``, both before its record is returned; and the
search's checkpoint is the searcher's, not a ``TrainState``'s.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .config import SearchResult
from .space import mean_max_theta
from .utils import atomic_write_text, to_jsonable

if TYPE_CHECKING:
    from .searcher import Searcher

__all__ = ["EpochLoop", "cosine_lr", "epoch_line", "show_bar", "write_logs"]


def cosine_lr(lr: float, lr_min: float, t: float, total: float) -> float:
    """Cosine annealing from ``lr`` (t = 0) to ``lr_min`` (t = total)."""
    return lr_min + 0.5 * (lr - lr_min) * (1.0 + math.cos(math.pi * min(t, total) / total))


class EpochLoop:
    """Runs epochs of alternating steps until the configured end, with logs and checkpoints."""

    def __init__(self, searcher: Searcher):
        self.s = searcher  # the state (model, optimizer, asng, epoch, ...) lives on the searcher

    @property
    def iters_per_epoch(self) -> int:
        n = min(len(self.s.weight_loader), len(self.s.theta_loader))
        if self.s.cfg.iters_per_epoch:
            n = min(n, int(self.s.cfg.iters_per_epoch))
        return n

    @property
    def total_iterations(self) -> int:
        """The run's iterations in all: ``config.total_iterations``, else epochs x :attr:`iters_per_epoch`."""
        return self.s.cfg.total_iterations or self.s.cfg.epochs * self.iters_per_epoch

    def iters_in(self, epoch: int) -> int:
        """The iterations of epoch ``epoch`` (from 0): :attr:`iters_per_epoch`, fewer in the last
        one when ``config.total_iterations`` cuts it short."""
        n = self.iters_per_epoch
        return max(0, min(n, self.total_iterations - epoch * n))

    def check_total(self) -> None:
        """Raise ``ValueError`` unless ``config.total_iterations`` (when set) falls in the last of
        ``config.epochs`` epochs of :attr:`iters_per_epoch` (no empty epoch, none cut off)."""
        total, n, epochs = self.s.cfg.total_iterations, self.iters_per_epoch, self.s.cfg.epochs
        if total is not None and not (epochs - 1) * n < total <= epochs * n:
            raise ValueError(
                f"total_iterations {total} does not end in the last of epochs={epochs} of {n} iterations; "
                f"set epochs to {-(-total // n)}"
            )

    def lr_at(self, epoch: int, it: int) -> float:
        c = self.s.cfg
        if c.schedule == "epoch":
            return cosine_lr(c.lr, c.lr_min, epoch, c.epochs)
        n = self.iters_per_epoch
        return cosine_lr(c.lr, c.lr_min, epoch * n + it, self.total_iterations)

    def sync(self) -> None:
        if self.s.cuda:
            torch.cuda.synchronize(self.s.device)

    def run_epoch(self) -> dict[str, Any]:
        """One epoch of alternating steps, then (maybe) evaluation; returns its log record."""
        from tqdm.auto import tqdm

        e = self.s.epoch
        n = self.iters_in(e)
        w_iter = iter(self.s.weight_loader.epoch(2 * e))
        t_iter = iter(self.s.theta_loader.epoch(2 * e + 1))
        sums = {"train_loss": 0.0, "theta_loss": 0.0}
        msum: dict[str, float] = {}
        metric = getattr(self.s.task, "metric", "")
        bar = tqdm(
            total=n,
            desc=f"search {e + 1}/{self.s.cfg.epochs}",
            disable=not show_bar(self.s.cfg.progress),
            leave=False,
            dynamic_ncols=True,
        )
        self.sync()
        t0 = time.perf_counter()
        for it in range(n):
            lr = self.lr_at(e, it)
            for g in self.s.optimizer.param_groups:
                g["lr"] = lr
            loss, mets = self.s.weight_step(next(w_iter))
            th = self.s.theta_step(next(t_iter))
            sums["train_loss"] += loss
            sums["theta_loss"] += float(np.mean(th))
            for k, v in mets.items():
                msum[k] = msum.get(k, 0.0) + v
            if self.s.cfg.progress:
                post = {"loss": f"{sums['train_loss'] / (it + 1):.3f}"}
                if metric in msum:
                    post[metric[:3]] = f"{msum[metric] / (it + 1):.3f}"
                post["delta"] = f"{self.s.asng.delta:.3g}"
                post["theta"] = f"{self.mean_max_theta():.3f}"
                bar.set_postfix(post, refresh=False)
                bar.update(1)
        bar.close()
        self.sync()
        self.s.search_seconds += time.perf_counter() - t0
        self.s.epoch += 1
        rec: dict[str, Any] = {
            "epoch": self.s.epoch,
            "lr": self.lr_at(e, 0),
            "train_loss": sums["train_loss"] / n,
            **{f"train_{k}": v / n for k, v in msum.items()},
            "theta_loss": sums["theta_loss"] / n,
            "delta": self.s.asng.delta,
            "mean_max_theta": self.mean_max_theta(),
            "search_seconds": self.s.search_seconds,
        }
        ev = self.s.cfg.eval_every
        if self.s.test_loader is not None and ((ev and self.s.epoch % ev == 0) or self.s.epoch == self.s.cfg.epochs):
            t1 = time.perf_counter()
            res = self.s.evaluate()
            rec.update({f"test_{k}": v for k, v in res.items()})
            rec["eval_seconds"] = time.perf_counter() - t1
        rec["most_likely"] = to_jsonable(self.s.asng.most_likely())
        return rec

    def mean_max_theta(self) -> float:
        summary = getattr(self.s.space, "summary", None)
        d = self.s.asng.distribution
        return float(summary(d, self.s.asng.theta)) if summary else mean_max_theta(d, self.s.asng.theta)

    def run(self, stop_after: int | None = None) -> SearchResult:
        """Search until ``config.epochs`` (or, if given, until ``stop_after`` epochs are
        complete, as if the run had been killed there). Checkpoints and logs after each epoch;
        exports the most likely architecture when the search is complete."""
        if self.s.out_dir is not None:
            self.s.out_dir.mkdir(parents=True, exist_ok=True)
        end = self.s.cfg.epochs if stop_after is None else min(self.s.cfg.epochs, stop_after)
        while self.s.epoch < end:
            rec = self.s.run_epoch()
            self.s.history.append(rec)
            if self.s.out_dir is not None:
                self.s.save_checkpoint()
                self.s.write_logs()
            if self.s.cfg.progress:  # the full record is in log.jsonl / log.csv
                print(epoch_line("search", rec, self.s.cfg.epochs), flush=True)
        finished = self.s.epoch >= self.s.cfg.epochs
        ml = self.s.asng.most_likely()
        if finished and self.s.out_dir is not None:
            export = self.s.export
            if export is None:
                from .export import export_architecture as export
            export(self.s.out_dir, self.s.space, self.s.asng.distribution, self.s.asng.theta, extra=self.export_extra())
        return SearchResult(ml, self.s.space.decode(ml), list(self.s.history), finished)

    def export_extra(self) -> dict[str, Any]:
        last = self.s.history[-1] if self.s.history else {}
        return {
            "epochs": self.s.epoch,
            "delta": self.s.asng.delta,
            "search_seconds": self.s.search_seconds,
            "final": {k: v for k, v in last.items() if k.startswith("test_")},
            "config": asdict(self.s.cfg),
        }


_SHORT = {"accuracy": "acc", "error": "err", "psnr": "PSNR", "ssim": "SSIM"}
_OTHER = (("theta_loss", "theta-loss"), ("delta", "delta"), ("mean_max_theta", "max-theta"))


def _value(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _group(rec: dict[str, Any], prefix: str) -> str:
    items = [(k[len(prefix) :], v) for k, v in rec.items() if k.startswith(prefix) and k != f"{prefix}seconds"]
    return " ".join(f"{_SHORT.get(k, k)} {_value(v)}" for k, v in items if not isinstance(v, (list, dict)))


def show_bar(progress: bool) -> bool:
    """Whether to draw a progress bar: ``progress`` is on and stderr is a terminal (a bar's
    carriage returns would fill a redirected stderr, e.g. a CI log). The per-epoch lines on
    stdout do not depend on this: they follow ``progress`` alone."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(progress and isatty is not None and isatty())


def epoch_line(label: str, rec: dict[str, Any], total: int) -> str:
    """One short console line for a per-epoch record (the log files keep the whole record).

    ``rec`` is a record of :meth:`EpochLoop.run_epoch` or of a retraining: ``epoch``, ``train_*``
    and ``test_*`` values, optionally ``theta_loss`` / ``delta`` / ``mean_max_theta`` and the
    seconds so far (``search_seconds`` or ``train_seconds``). Floats are shown to 4 significant
    digits, e.g. ``search 3/10 | train loss 1.234 acc 0.4561 | test loss 1.1 acc 0.52 |
    theta-loss 1.301 delta 0.0123 max-theta 0.512 | 12.3 s``.
    """
    parts = [f"{label} {rec.get('epoch', '?')}/{total}"]
    for prefix in ("train_", "test_"):
        group = _group(rec, prefix)
        if group:
            parts.append(f"{prefix[:-1]} {group}")
    other = " ".join(f"{name} {_value(rec[k])}" for k, name in _OTHER if k in rec)
    if other:
        parts.append(other)
    seconds = rec.get("search_seconds", rec.get("train_seconds"))
    if isinstance(seconds, (int, float)):
        parts.append(f"{seconds:.1f} s")
    return " | ".join(parts)


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
