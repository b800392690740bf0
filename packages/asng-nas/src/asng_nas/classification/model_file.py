"""The saved network of a retraining (``model.pt``: the genotype, the network's arguments, the
weights and a summary) and its evaluation on a test set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..search.distributed import all_reduce_sum, group_info
from ..search.training import read_train_checkpoint
from ..search.utils import atomic_torch_save, autocast, resolve_device
from .data import ImageData, Loader
from .genotype import Genotype
from .network import Network

__all__ = ["evaluate_model", "evaluate_network", "load_model", "save_model"]


@torch.no_grad()
def evaluate_network(model: nn.Module, loader: Loader, amp: bool) -> dict[str, float]:
    """Test loss / accuracy / error of ``model`` (eval mode) on ``loader``; with a group of
    several processes each evaluates every world-th batch and the sums are all-reduced."""
    rank, world = group_info()
    model.eval()
    n, loss, correct = 0, 0.0, 0
    for k, (x, y) in enumerate(loader.epoch(0)):
        if k % world != rank:
            continue
        with autocast(loader.device, amp):
            logits, _ = model(x)
        loss += float(F.cross_entropy(logits.float(), y, reduction="sum"))
        correct += int((logits.argmax(1) == y).sum())
        n += len(y)
    model.train()
    loss, c, m = all_reduce_sum([loss, correct, n], loader.device)
    m = max(m, 1)
    return {"test_loss": loss / m, "test_accuracy": c / m, "test_error": 1.0 - c / m}


def save_model(path: str | Path, model: Network, kwargs: dict[str, Any], info: dict[str, Any]) -> None:
    """Save weights plus what is needed to rebuild the network."""
    args = {k: v for k, v in kwargs.items() if k != "genotype"}
    atomic_torch_save(
        {
            "format": "asng-nas-model-v1",
            "genotype": kwargs["genotype"].to_dict(),
            "network": args,
            "state_dict": model.state_dict(),
            "info": info,
        },
        path,
    )


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[Network, dict[str, Any]]:
    """Rebuild a network saved by :func:`retrain`; returns ``(model, info)``. The file is read
    with ``torch.load(..., weights_only=True)`` (it holds tensors and plain data only); raises
    ``ValueError`` naming the file for one that is refused, unreadable or not a model file."""
    st = read_train_checkpoint(path)
    if st.get("format") != "asng-nas-model-v1":
        raise ValueError(f"{path} is not an asng-nas model file")
    model = Network(Genotype.from_dict(st["genotype"]), **st["network"]).to(device)
    model.load_state_dict(st["state_dict"])
    return model, st["info"]


def evaluate_model(
    path: str | Path,
    data: ImageData,
    device: str | torch.device | None = None,
    batch_size: int = 256,
) -> dict[str, float]:
    """Test loss, accuracy and error of a saved model on ``data``'s test set."""
    dev = resolve_device(device)
    model, _ = load_model(path, dev)
    test = Loader(data.x_test, data.y_test, batch_size, data.mean, data.std, device=dev)
    return evaluate_network(model, test, True)
