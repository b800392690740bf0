"""Image classification data: CIFAR-10 (python batches), Fashion-MNIST (IDX), the embedded digits.

Nothing is downloaded. Images are kept as ``uint8`` ``(N, C, H, W)`` tensors; :class:`Loader`
moves each mini-batch to the device, scales it to [0, 1] and standardises it per channel.
"""

from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data import read_embedded
from .augment import Augment
from .loader import Loader

__all__ = [
    "ImageData",
    "Loader",
    "load_dataset",
    "load_cifar10",
    "load_fashion_mnist",
    "load_digits",
    "read_idx",
    "DATASETS",
    "FASHION_MNIST_DIR",
    "DIGITS_FILE",
]

CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = ("test_batch",)
FASHION_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
DATASETS = ("digits", "cifar10", "fashion-mnist")


@dataclass
class ImageData:
    """A labelled image data set held in memory.

    ``x_*``: ``(N, C, H, W)`` uint8; ``y_*``: ``(N,)`` int64; ``mean``/``std``: per channel in
    [0, 1] units; ``augment``: the default training augmentation for this data.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    augment: Augment = field(default_factory=Augment)

    def __post_init__(self) -> None:
        if not self.mean:
            x = self.x_train.double() / 255.0
            self.mean = tuple(x.mean(dim=(0, 2, 3)).tolist())
            self.std = tuple(x.std(dim=(0, 2, 3)).clamp_min(1e-3).tolist())

    @property
    def in_channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.x_train.shape[2]), int(self.x_train.shape[3])


def _missing(folder: Path, expected: tuple[str, ...], what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"{what}: {folder} is missing or incomplete; expected the files "
        f"{', '.join(expected)} in it (no download is attempted)"
    )


def _cifar_folder(data_dir: str | Path) -> Path:
    d = Path(data_dir)
    if (d / "cifar-10-batches-py").is_dir():
        d = d / "cifar-10-batches-py"
    return d


# what a CIFAR-10 python batch may reference: numpy arrays (and bytes) and nothing else
_CIFAR_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles plain data and numpy arrays only; any other class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _CIFAR_GLOBALS:
            raise pickle.UnpicklingError(f"it references {module}.{name}")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: ``data`` (N, 3072) uint8 -> (N, 3, 32, 32) and ``labels`` (N,).

    Raises ``ValueError`` naming ``path`` when it is not a readable batch (truncated, another
    file, wrong shapes)."""
    fix = "replace it with the file from cifar-10-python.tar.gz"
    try:
        with open(path, "rb") as fh:
            batch = _BatchUnpickler(fh, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise ValueError(f"CIFAR-10: {path} is not a CIFAR-10 python batch ({type(e).__name__}: {e}); {fix}") from None
    if not isinstance(batch, dict):
        raise ValueError(f"CIFAR-10: {path} holds a {type(batch).__name__}, not a batch dict; {fix}")
    batch = {(k.decode() if isinstance(k, bytes) else k): v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"CIFAR-10: {path} has no 'data'/'labels' entries; {fix}")
    try:
        x = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        y = np.asarray(batch["labels"], dtype=np.int64).reshape(-1)
    except (ValueError, TypeError) as e:
        raise ValueError(f"CIFAR-10: {path} has malformed 'data'/'labels' ({e}); {fix}") from None
    if len(x) != len(y) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise ValueError(f"CIFAR-10: {path} holds {len(x)} images but {len(y)} labels in 0..9; {fix}")
    return x, y


def load_cifar10(data_dir: str | Path) -> ImageData:
    """CIFAR-10 from the ``cifar-10-batches-py`` folder as distributed (or its parent):
    ``data_batch_1`` .. ``data_batch_5`` and ``test_batch`` pickles with ``data`` (N, 3072) uint8
    and ``labels``."""
    d = _cifar_folder(data_dir)
    expected = CIFAR_TRAIN + CIFAR_TEST
    if not d.is_dir() or any(not (d / f).is_file() for f in expected):
        raise _missing(d, expected, "CIFAR-10")

    def read(names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = [], []
        for name in names:
            x, y = _read_cifar_batch(d / name)
            xs.append(x)
            ys.append(y)
        return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys))

    x_tr, y_tr = read(CIFAR_TRAIN)
    x_te, y_te = read(CIFAR_TEST)
    return ImageData(
        "cifar10",
        x_tr,
        y_tr,
        x_te,
        y_te,
        10,
        mean=(0.4914, 0.4822, 0.4465),
        std=(0.2470, 0.2435, 0.2616),
        augment=Augment(pad=4, flip=True),
    )


_IDX_TYPES: dict[int, Any] = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped): magic ``0 0 type ndim``, big-endian int32 dims."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">i4", count=ndim, offset=4).astype(np.int64)
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    data = np.frombuffer(raw, dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {tuple(dims)} but holds {data.size} values")
    return data.reshape(tuple(dims))


def _find(d: Path, name: str) -> Path | None:
    for cand in (d / name, d / f"{name}.gz"):
        if cand.is_file():
            return cand
    return None


def load_fashion_mnist(data_dir: str | Path | None = None) -> ImageData:
    """Fashion-MNIST from its four IDX files (plain or ``.gz``), by default from
    :data:`FASHION_MNIST_DIR`."""
    d = Path(data_dir or FASHION_MNIST_DIR)
    paths = [_find(d, f) for f in FASHION_FILES]
    if any(p is None for p in paths):
        raise _missing(d, tuple(f"{f}[.gz]" for f in FASHION_FILES), "Fashion-MNIST")
    xtr, ytr, xte, yte = (read_idx(p) for p in paths if p is not None)
    if xtr.ndim != 3 or xte.ndim != 3 or len(xtr) != len(ytr) or len(xte) != len(yte):
        raise ValueError(f"Fashion-MNIST: inconsistent shapes in {d}")
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    return ImageData(
        "fashion-mnist",
        t(xtr.astype(np.uint8)[:, None]),
        t(ytr.astype(np.int64)),
        t(xte.astype(np.uint8)[:, None]),
        t(yte.astype(np.int64)),
        10,
        mean=(0.2860,),
        std=(0.3530,),
        augment=Augment(pad=2, flip=True),
    )


#: The embedded digits: ``asng_nas/data/digits.npz`` (see ``asng_nas/data/README.md``).
DIGITS_FILE = "digits.npz"


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """The embedded digits: ``(1797, 8, 8)`` uint8 images with values 0..16 and ``(1797,)`` labels.

    They are the test part of the UCI "Optical Recognition of Handwritten Digits" data
    (Alpaydin and Kaynak 1998, CC BY 4.0), as scikit-learn bundles them, stored once by
    ``scripts/make_digits_npz.py``; read with numpy alone. Raises ``FileNotFoundError`` /
    ``ValueError`` naming the file when it is missing or damaged."""
    z = read_embedded(DIGITS_FILE, {"images": (1797, 8, 8), "target": (1797,)}, "the embedded digits")
    return z["images"], z["target"]


def load_digits(n_test: int = 297, seed: int = 0) -> ImageData:
    """The embedded 8 x 8 digits (1797 images, no download, no scikit-learn needed), scaled from
    0..16 to 0..255 and split at random into ``1797 - n_test`` training and ``n_test`` test
    images (a fixed split for a given seed). See :func:`_read_digits` for the source."""
    images, target = _read_digits()
    x = np.round(images.astype(np.float64) * (255.0 / 16.0)).astype(np.uint8)[:, None]  # (1797, 1, 8, 8)
    y = target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(x))
    te, tr = perm[:n_test], perm[n_test:]
    return ImageData(
        "digits",
        torch.from_numpy(x[tr]),
        torch.from_numpy(y[tr]),
        torch.from_numpy(x[te]),
        torch.from_numpy(y[te]),
        10,
        augment=Augment(pad=1, flip=False),
    )


def load_dataset(name: str, data_dir: str | Path | None = None) -> ImageData:
    """``digits`` (embedded; ``data_dir`` must be None), ``cifar10`` (needs ``data_dir``) or
    ``fashion-mnist``. Raises ``ValueError`` for an unknown name or a folder given to digits,
    ``FileNotFoundError`` for a missing data folder."""
    if name == "digits":
        if data_dir is not None:
            raise ValueError(
                f"the digits data set is embedded and reads no folder, but a data folder ({data_dir}) was given; "
                "drop --data-dir, or choose --dataset cifar10 / fashion-mnist"
            )
        return load_digits()
    if name == "cifar10":
        if data_dir is None:
            raise ValueError("cifar10 needs --data-dir: the cifar-10-batches-py folder")
        return load_cifar10(data_dir)
    if name in ("fashion-mnist", "fashion_mnist", "fmnist"):
        return load_fashion_mnist(data_dir)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
