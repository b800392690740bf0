"""A user's torch ``Dataset`` or ``DataLoader`` as the search loop's batch loader (``len()`` and
``epoch(e)``), and the rule that splits one training set into a weight part and a theta part.

Exact resume holds for map-style datasets read through :class:`DatasetLoader`: the order of epoch
``e`` is a permutation drawn from ``(seed, e)`` alone, and the ``DataLoader`` built for the epoch
gets a generator seeded the same way (its workers' seeds, and so random transforms in workers,
repeat); transforms run in the main process (``num_workers=0``) draw from torch's global RNG,
which the search checkpoint restores. A user's own ``DataLoader`` is iterated as it is (its
sampler's ``set_epoch(e)`` is called when it has one): resume is exact only if its order is.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

__all__ = ["DatasetLoader", "DataLoaderAdapter", "as_batch_size", "as_loader", "split_halves"]


def split_halves(n: int) -> tuple[range, range]:
    """The documented split of one training set of ``n`` items: indices ``[0, n // 2)`` train the
    weights, ``[n // 2, n)`` the architecture distribution (the paper's CIFAR-10 rule). Shuffle
    the data set first if it is sorted by class."""
    return range(0, n // 2), range(n // 2, n)


def as_batch_size(value: Any) -> int:
    """``value`` as a batch size: an integer >= 1 (a numpy integer too), as a Python ``int``.

    Raises:
        ValueError: anything else (a bool, a float, a number < 1).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {value!r}")
    return int(value)


class DatasetLoader:
    """Mini-batches of the items ``indices`` of a map-style ``dataset``.

    Args:
        dataset: a map-style ``torch.utils.data.Dataset`` (``len`` and ``[i]``).
        batch_size: items per batch.
        indices: which items (default: all).
        shuffle: a new order every epoch, drawn from ``(seed, epoch)``; else the given order.
        drop_last: drop an incomplete last batch (the search does, so every step sees
            ``batch_size`` items).
        seed: the order's seed.
        num_workers, collate_fn, pin_memory: passed to the ``DataLoader`` of each epoch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        indices: Sequence[int] | None = None,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int = 0,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
    ):
        if isinstance(dataset, IterableDataset) or not hasattr(dataset, "__len__"):
            raise ValueError("DatasetLoader needs a map-style Dataset (with __len__ and __getitem__)")
        batch_size = as_batch_size(batch_size)
        self.dataset = dataset
        chosen = range(len(dataset)) if indices is None else indices
        self.indices = torch.as_tensor(list(chosen), dtype=torch.long)
        self.batch_size, self.shuffle, self.drop_last, self.seed = batch_size, shuffle, drop_last, int(seed)
        self.num_workers, self.collate_fn, self.pin_memory = num_workers, collate_fn, pin_memory

    def __len__(self) -> int:
        n = len(self.indices)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _generator(self, epoch: int) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed * 100_003 + int(epoch))

    def order(self, epoch: int) -> list[int]:
        """The item order of ``epoch``."""
        if not self.shuffle:
            return self.indices.tolist()
        return self.indices[torch.randperm(len(self.indices), generator=self._generator(epoch))].tolist()

    def epoch(self, epoch: int = 0) -> Iterator[Any]:
        loader = DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            sampler=self.order(epoch),
            drop_last=self.drop_last,
            num_workers=self.num_workers,
            collate_fn=self.collate_fn,
            pin_memory=self.pin_memory,
            generator=self._generator(epoch + 1_000_003),
        )
        return iter(loader)

    def __iter__(self) -> Iterator[Any]:
        return self.epoch(0)


class DataLoaderAdapter:
    """A user's ``DataLoader`` (any iterable of batches with ``len``) as a batch loader."""

    def __init__(self, loader: Any):
        try:
            len(loader)
        except TypeError:
            raise ValueError("a DataLoader over an IterableDataset needs __len__ for the search's epochs") from None
        self.loader = loader

    def __len__(self) -> int:
        return len(self.loader)

    def epoch(self, epoch: int = 0) -> Iterator[Any]:
        set_epoch = getattr(getattr(self.loader, "sampler", None), "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        return iter(self.loader)


def as_loader(
    data: Any, batch_size: int, indices: Sequence[int] | None = None, **options: Any
) -> DatasetLoader | DataLoaderAdapter:
    """A ``Dataset`` -> :class:`DatasetLoader` of ``indices`` with the keyword ``options`` of its
    constructor (``shuffle``, ``drop_last``, ``seed``, ``num_workers``, ...); a ``DataLoader``
    (``indices`` must be None; ``options`` are then ignored: it has its own) ->
    :class:`DataLoaderAdapter`. ValueError for anything else."""
    if isinstance(data, DataLoader):
        if indices is not None:
            raise ValueError("a DataLoader cannot be split: pass a Dataset, or both train_data and valid_data")
        return DataLoaderAdapter(data)
    if isinstance(data, Dataset):
        return DatasetLoader(data, batch_size, indices, **options)
    raise ValueError(f"expected a torch Dataset or DataLoader, got {type(data).__name__}")
