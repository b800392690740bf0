"""The Fashion-MNIST example (packages/asng-nas/examples) runs end to end on a tiny IDX subset
that the test writes (CI has no Fashion-MNIST)."""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fashion_mnist_search.py"


def _write_idx(path: Path, a: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}i", *a.shape)
    path.write_bytes(header + a.astype(np.uint8).tobytes())


def _tiny_fashion_mnist(folder: Path, n_train: int = 64, n_test: int = 32) -> None:
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 60, (n, 28, 28)) + (y * 19)[:, None, None]  # learnable: brightness ~ class
        _write_idx(folder / f"{prefix}-images-idx3-ubyte", x)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte", y)


def test_example_searches_exports_and_retrains(tmp_path, capsys) -> None:
    _tiny_fashion_mnist(tmp_path)
    assert len(EXAMPLE.read_text().splitlines()) <= 60
    spec = importlib.util.spec_from_file_location("fashion_mnist_search", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "run"
    module.main([str(tmp_path), "--epochs", "1", "--retrain-epochs", "1", "--limit", "64", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "retrained test accuracy" in printed
    doc = json.loads((out / "architecture.json").read_text())
    assert set(doc["choices"]) == {"width", "kernel", "b1", "b2", "skip"}
    assert doc["choices"]["width"] in (8, 16, 24, 32) and (out / "export" / "model.pt").is_file()
    import asng_nas.nn as ann

    rebuilt = ann.rebuild(out / "architecture.json", module.Net, weights=out / "export" / "model.pt")
    assert rebuilt(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
