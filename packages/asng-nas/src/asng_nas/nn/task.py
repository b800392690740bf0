"""The learning problem of a user's search: batches ``(inputs, targets)``, a loss and metrics.

:class:`SupervisedTask` is the ``task`` of :class:`asng_nas.search.Searcher`. The default is
classification: cross-entropy on ``(N, n_classes)`` logits and ``(N,)`` class indices, metric
accuracy. Pass ``loss`` (``loss(outputs, targets) -> scalar tensor``) and ``metric`` (a callable
``metric(outputs, targets) -> float``, or ``{name: callable}``; the first is shown) for anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

import torch
import torch.nn.functional as F

__all__ = ["SupervisedTask", "accuracy", "to_device"]

LossFn = Callable[[Any, Any], torch.Tensor]
MetricFn = Callable[[Any, Any], float]


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """The fraction of rows of ``outputs`` (``(N, n_classes)``) whose argmax is ``targets`` (``(N,)``)."""
    return float((outputs.argmax(1) == targets).float().mean().item())


def _cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs.float(), targets)


def to_device(x: Any, device: torch.device) -> Any:
    """Tensors (also in tuples, lists, dicts) moved to ``device``."""
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, Mapping):
        return {k: to_device(v, device) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(to_device(v, device) for v in x)
    if isinstance(x, list):
        return [to_device(v, device) for v in x]
    return x


class SupervisedTask:
    """Batches ``(inputs, targets)`` (what a ``DataLoader`` of ``(input, target)`` items yields),
    moved to ``device``; ``loss`` and ``metric`` as in the module docstring.

    Raises:
        ValueError: a loss or metric that is not callable; at run time, a batch that is not a pair,
            or (checked on the first call) a loss that does not return a one-element tensor.
    """

    def __init__(
        self,
        device: torch.device | str = "cpu",
        loss: LossFn | None = None,
        metric: Union[MetricFn, Mapping[str, MetricFn], None] = None,
    ):
        if loss is not None and not callable(loss):
            raise ValueError(f"loss must be callable(outputs, targets), got {type(loss).__name__}")
        if metric is None:
            metrics: dict[str, MetricFn] = {"accuracy": accuracy}
        elif callable(metric):
            name = getattr(metric, "__name__", "metric")
            metrics = {name if name.isidentifier() else "metric": metric}  # a lambda is "metric"
        elif isinstance(metric, Mapping) and metric and all(callable(f) for f in metric.values()):
            metrics = dict(metric)
        else:
            raise ValueError("metric must be a callable(outputs, targets) -> float or a non-empty {name: callable}")
        self.device = torch.device(device)
        self._loss: LossFn = loss or _cross_entropy
        self._metrics = metrics
        self.metric = next(iter(metrics))
        self._loss_checked = False

    def prepare(self, batch: Any, train: bool, generator: Any) -> tuple[Any, Any]:
        if not isinstance(batch, Sequence) or len(batch) != 2:
            raise ValueError(f"a batch must be a pair (inputs, targets), got a {type(batch).__name__}")
        return to_device(batch[0], self.device), to_device(batch[1], self.device)

    def loss(self, outputs: Any, targets: Any) -> torch.Tensor:
        out = self._loss(outputs, targets)
        if not self._loss_checked:  # once: the first step
            if not isinstance(out, torch.Tensor) or out.numel() != 1:
                name = getattr(self._loss, "__name__", type(self._loss).__name__)
                got = f"a tensor of shape {tuple(out.shape)}" if isinstance(out, torch.Tensor) else repr(out)
                raise ValueError(
                    f"the loss function {name} returned {got}; it must return a one-element (scalar) torch "
                    "tensor computed from the outputs (e.g. reduce with .mean(), do not call .item())"
                )
            self._loss_checked = True
        return out

    def metrics(self, outputs: Any, targets: Any) -> dict[str, float]:
        return {name: float(f(outputs, targets)) for name, f in self._metrics.items()}
