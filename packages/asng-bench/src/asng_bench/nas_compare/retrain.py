"""Retraining a found architecture from scratch with the one fixed short schedule, and its test error."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

import asng_nas.nn as ann

from .config import StudyConfig
from .data import StudyData, batches
from .space import ENASCellNet, count_parameters
from .strategies import cosine

__all__ = ["retrain"]


def retrain(choices: dict[str, Any], data: StudyData, cfg: StudyConfig, seed: int) -> dict[str, Any]:
    """Build a fresh network of ``choices`` (affine BN; the modules the architecture never calls
    pruned), train it ``cfg.retrain_steps`` SGD steps on the whole training set and evaluate it on
    the whole test set (BN in eval mode).

    Returns ``{"test_error": fraction in [0, 1], "params": number of parameters}``.
    """
    torch.manual_seed(10_000 + seed)
    net = ENASCellNet(cfg.n_cells, cfg.channels, data.n_classes, data.in_channels, cfg.n_nodes, affine=True)
    model = ann.export(net, choices, init="fresh", example_input=data.x_train[:1]).module
    params = count_parameters(model)
    opt = torch.optim.SGD(
        model.parameters(), lr=cfg.retrain_lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay
    )
    all_idx = torch.arange(len(data.x_train))
    stream = batches(data.x_train, data.y_train, all_idx, min(cfg.retrain_batch, len(all_idx)), seed + 31)
    model.train()
    for step in range(cfg.retrain_steps):
        for g in opt.param_groups:
            g["lr"] = cosine(cfg.retrain_lr, step, cfg.retrain_steps)
        x, y = next(stream)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
    model.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(data.x_test), 1000):
            wrong += int((model(data.x_test[i : i + 1000]).argmax(1) != data.y_test[i : i + 1000]).sum())
    return {"test_error": wrong / len(data.x_test), "params": params}
