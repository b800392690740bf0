"""The four search strategies on one supernet (:class:`~.space.ENASCellNet`); each returns the
architecture it found as ``{label: candidate}`` and a log of its search.

All of them run ``cfg.iterations`` iterations, each with one SGD step of the supernet's weights on
a mini-batch of the weight half (cosine learning rate, the same for all); they differ in how an
architecture is chosen for that step and how the final one is picked:

* ``asng`` / ``asng-d0.1``: the package's own loop (:func:`asng_nas.nn.build_search`): lambda = 2
  architectures from p_theta per weight step, 2 more per ``ASNG.tell`` on the architecture half;
  the most likely architecture at the end;
* ``random-ws``: 2 uniform architectures per weight step (the same work as ASNG's weight step),
  then the best of ``rs_candidates`` uniform architectures by accuracy on ``rs_eval_items`` items
  of the architecture half, BN on batch statistics (Li & Talwalkar 2019);
* ``darts``: the whole mixture (``Relaxation``); a weight step on the weight half, then an Adam
  step of alpha on the architecture half (first order: the weights' dependence on alpha ignored);
  argmax at the end (Liu et al. 2019).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import asng_nas.nn as ann

from .config import StudyConfig
from .data import StudyData, batches

__all__ = ["search", "cosine"]


def cosine(lr: float, t: int, total: int) -> float:
    """Cosine annealing from ``lr`` at ``t = 0`` to 0 at ``t = total`` (Loshchilov & Hutter 2017)."""
    return 0.5 * lr * (1.0 + math.cos(math.pi * min(t, total) / total))


def _sgd(model: nn.Module, cfg: StudyConfig, params: Any = None) -> torch.optim.SGD:
    return torch.optim.SGD(
        params if params is not None else model.parameters(),
        lr=cfg.lr,
        momentum=cfg.momentum,
        weight_decay=cfg.weight_decay,
    )


def _weight_step(model: nn.Module, opt: torch.optim.Optimizer, losses: list[torch.Tensor], cfg: StudyConfig) -> float:
    """Back-propagate the mean of ``losses``, clip, step; returns the mean loss."""
    opt.zero_grad(set_to_none=True)
    total = torch.stack(losses).mean()
    total.backward()
    nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], cfg.grad_clip)
    opt.step()
    return float(total.detach())


def _asng(model: nn.Module, data: StudyData, cfg: StudyConfig, seed: int, delta0: float) -> tuple[dict[str, Any], list]:
    from torch.utils.data import TensorDataset

    from asng_nas.search import SearchConfig

    w = TensorDataset(data.x_train[data.weight_idx], data.y_train[data.weight_idx])
    a = TensorDataset(data.x_train[data.arch_idx], data.y_train[data.arch_idx])
    per_epoch = min(cfg.log_every, cfg.iterations)
    cfg_s = SearchConfig(
        epochs=cfg.iterations // per_epoch,
        iters_per_epoch=per_epoch,
        schedule="iteration",
        lr=cfg.lr,
        momentum=cfg.momentum,
        weight_decay=cfg.weight_decay,
        grad_clip=cfg.grad_clip,
        lam_x=2,
        lam_theta=2,
        delta0=delta0,
        seed=seed,
        eval_every=0,
        progress=False,
    )
    searcher = ann.build_search(model, w, valid_data=a, config=cfg_s, batch_size=cfg.batch, device="cpu")
    if searcher.iters_per_epoch != per_epoch:
        raise ValueError(f"the data halves hold fewer than {per_epoch} batches of {cfg.batch}: use a smaller batch")
    res = searcher.run()
    history = [{k: v for k, v in rec.items() if isinstance(v, (int, float, str))} for rec in res.history]
    return dict(res.architecture), history


def _random_ws(model: nn.Module, data: StudyData, cfg: StudyConfig, seed: int) -> tuple[dict[str, Any], list]:
    space = ann.ModelSpace(model)
    rng = np.random.default_rng(seed)
    opt = _sgd(model, cfg)
    stream = batches(data.x_train, data.y_train, data.weight_idx, cfg.batch, seed)
    history: list[dict[str, Any]] = []
    acc_loss = 0.0
    model.train()
    for it in range(cfg.iterations):
        for g in opt.param_groups:
            g["lr"] = cosine(cfg.lr, it, cfg.iterations)
        x, y = next(stream)
        losses = []
        for _ in range(2):
            ann.activate(space.variables, space.sample_uniform(rng))
            losses.append(F.cross_entropy(model(x), y))
        acc_loss += _weight_step(model, opt, losses, cfg)
        if (it + 1) % cfg.log_every == 0 or it + 1 == cfg.iterations:
            history.append({"iteration": it + 1, "train_loss": acc_loss / cfg.log_every})
            acc_loss = 0.0
    sel = data.arch_idx[: cfg.rs_eval_items]
    xv, yv = data.x_train[sel], data.y_train[sel]
    best: tuple[float, dict[str, Any]] | None = None
    with torch.no_grad():
        for k in range(cfg.rs_candidates):
            choices = space.sample_uniform(rng)
            ann.activate(space.variables, choices)
            correct = sum(
                int((model(xv[i : i + 256]).argmax(1) == yv[i : i + 256]).sum()) for i in range(0, len(xv), 256)
            )
            acc = correct / len(xv)
            history.append({"candidate": k, "valid_acc": acc})
            if best is None or acc > best[0]:
                best = (acc, choices)
    assert best is not None
    return best[1], history


def _darts(model: nn.Module, data: StudyData, cfg: StudyConfig, seed: int) -> tuple[dict[str, Any], list]:
    relax = ann.Relaxation(model)
    opt = _sgd(model, cfg)
    alpha_opt = torch.optim.Adam(relax.parameters(), lr=cfg.alpha_lr, betas=(0.5, 0.999), weight_decay=cfg.alpha_wd)
    w_stream = batches(data.x_train, data.y_train, data.weight_idx, cfg.batch, seed)
    a_stream = batches(data.x_train, data.y_train, data.arch_idx, cfg.batch, seed + 7919)
    history: list[dict[str, Any]] = []
    w_loss = a_loss = 0.0
    model.train()
    for it in range(cfg.iterations):
        for g in opt.param_groups:
            g["lr"] = cosine(cfg.lr, it, cfg.iterations)
        # alpha step first on the architecture half (DARTS's order), first order: w held fixed
        x, y = next(a_stream)
        relax.set_on(model)
        alpha_opt.zero_grad(set_to_none=True)
        loss_a = F.cross_entropy(model(x), y)
        loss_a.backward()
        alpha_opt.step()
        a_loss += loss_a.item()
        # weight step on the weight half with the updated alphas (no gradient into alpha)
        x, y = next(w_stream)
        with torch.no_grad():
            weights = {k: v.detach() for k, v in relax.weights().items()}
        ann.set_mixture(model, weights)
        w_loss += _weight_step(model, opt, [F.cross_entropy(model(x), y)], cfg)
        if (it + 1) % cfg.log_every == 0 or it + 1 == cfg.iterations:
            with torch.no_grad():
                sharp = float(np.mean([float(p.max()) for p in relax.weights().values()]))
            history.append(
                {
                    "iteration": it + 1,
                    "train_loss": w_loss / cfg.log_every,
                    "arch_loss": a_loss / cfg.log_every,
                    "mean_max_softmax_alpha": sharp,
                }
            )
            w_loss = a_loss = 0.0
    alphas = {label: [round(float(v), 5) for v in a.detach()] for label, a in zip(relax.labels, relax.alpha)}
    history.append({"alphas": alphas})
    return relax.derive(), history


def search(
    strategy: str, model: nn.Module, data: StudyData, cfg: StudyConfig, seed: int
) -> tuple[dict[str, Any], list]:
    """Run ``strategy`` on ``model`` (trained in place) and return ``(choices, history)``.

    Raises:
        ValueError: an unknown strategy.
    """
    if strategy == "asng":
        return _asng(model, data, cfg, seed, delta0=1.0)
    if strategy == "asng-d0.1":
        return _asng(model, data, cfg, seed, delta0=0.1)
    if strategy == "random-ws":
        return _random_ws(model, data, cfg, seed)
    if strategy == "darts":
        return _darts(model, data, cfg, seed)
    raise ValueError(f"unknown strategy {strategy!r}")
