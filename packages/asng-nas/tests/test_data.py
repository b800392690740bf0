import gzip
import pickle
import struct

import numpy as np
import pytest
import torch

from asng_nas.classification.augment import Augment, cutout, random_crop, random_flip
from asng_nas.classification.data import Loader, load_cifar10, load_dataset, load_digits, load_fashion_mnist, read_idx


def _write_cifar(folder, n=6):
    rng = np.random.default_rng(0)
    folder.mkdir()
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [f"img{k}_{i}.png".encode() for i in range(n)],
        }
        with open(folder / name, "wb") as fh:
            pickle.dump(batch, fh, protocol=2)
    return names


def test_cifar10_loader_reads_the_python_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder)
    for where in (folder, tmp_path):  # the folder itself or its parent
        d = load_cifar10(where)
        assert d.x_train.shape == (30, 3, 32, 32) and d.x_train.dtype == torch.uint8
        assert d.y_train.shape == (30,) and d.x_test.shape == (6, 3, 32, 32)
    with open(folder / "data_batch_2", "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")
    img = raw[b"data"][0].reshape(3, 32, 32)
    assert np.array_equal(d.x_train[6].numpy(), img)  # row-major R, G, B planes
    assert d.y_train[6].item() == raw[b"labels"][0]


def test_cifar10_incomplete_folder_names_expected_files(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder)
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3") as e:
        load_cifar10(folder)
    assert "test_batch" in str(e.value)
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(tmp_path / "nowhere")


def _idx(path, arr, gz=False):
    arr = np.asarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(">" + "i" * arr.ndim, *arr.shape)
    (gzip.open if gz else open)(path, "wb").write(head + arr.tobytes())


@pytest.mark.parametrize("gz", [False, True])
def test_fashion_mnist_reads_idx_files(tmp_path, gz):
    rng = np.random.default_rng(1)
    xtr, ytr = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    xte, yte = rng.integers(0, 256, (3, 28, 28)), rng.integers(0, 10, 3)
    sfx = ".gz" if gz else ""
    _idx(tmp_path / f"train-images-idx3-ubyte{sfx}", xtr, gz)
    _idx(tmp_path / f"train-labels-idx1-ubyte{sfx}", ytr, gz)
    _idx(tmp_path / f"t10k-images-idx3-ubyte{sfx}", xte, gz)
    _idx(tmp_path / f"t10k-labels-idx1-ubyte{sfx}", yte, gz)
    d = load_fashion_mnist(tmp_path)
    assert d.x_train.shape == (5, 1, 28, 28) and d.x_test.shape == (3, 1, 28, 28)
    assert np.array_equal(d.x_train[:, 0].numpy(), xtr) and np.array_equal(d.y_test.numpy(), yte)
    assert read_idx(tmp_path / f"train-labels-idx1-ubyte{sfx}").shape == (5,)


def test_fashion_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_fashion_mnist(tmp_path)


def test_digits_embedded_and_loader():
    d = load_digits()
    assert d.x_train.shape[1:] == (1, 8, 8) and len(d.x_train) + len(d.x_test) == 1797
    assert load_dataset("digits").n_classes == 10
    with pytest.raises(ValueError):
        load_dataset("imagenet")
    ld = Loader(d.x_train, d.y_train, 100, d.mean, d.std, shuffle=True, drop_last=True, seed=3)
    assert len(ld) == len(d.x_train) // 100
    a = [y for _, y in ld.epoch(2)]
    b = [y for _, y in ld.epoch(2)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))  # order depends on (seed, epoch) only
    x, _ = next(ld.epoch(0))
    assert abs(float(x.mean())) < 0.5


def test_batched_augmentation():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).view(2, 3, 6, 6) + 1
    y = random_crop(x, 2, g)
    assert y.shape == x.shape
    # each crop is a shifted window of the zero-padded image: every nonzero value comes from x
    assert set(y[y != 0].tolist()) <= set(x.flatten().tolist())
    f = random_flip(x, torch.Generator().manual_seed(1), p=1.0)
    assert torch.equal(f, x.flip(-1))
    c = cutout(torch.ones(4, 1, 16, 16), 4, g)
    holes = (c == 0).sum(dim=(1, 2, 3))
    assert ((holes > 0) & (holes <= 16)).all()
    assert Augment(pad=4, flip=True, cutout=8)(torch.randn(3, 3, 32, 32), g).shape == (3, 3, 32, 32)


def test_the_embedded_digits_are_scikit_learns():
    """``asng_nas/data/digits.npz`` (read with numpy alone) holds scikit-learn's digits exactly,
    so the default data set is the same as when it came from scikit-learn."""
    sk = pytest.importorskip("sklearn.datasets")
    from asng_nas.classification.data import _read_digits

    images, target = _read_digits()
    ds = sk.load_digits()
    assert images.dtype == np.uint8 and np.array_equal(images, ds.images.astype(np.uint8))
    assert np.array_equal(images.astype(float), ds.images) and np.array_equal(target, ds.target)
    d = load_digits()
    x = np.round(ds.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    perm = np.random.default_rng(0).permutation(len(x))
    assert np.array_equal(d.x_test.numpy(), x[perm[:297]]) and np.array_equal(d.x_train.numpy(), x[perm[297:]])


def test_damaged_embedded_digits_are_one_line(tmp_path, monkeypatch):
    from asng_nas.classification import data as D

    bad = tmp_path / "asng_nas" / "data"
    bad.mkdir(parents=True)
    (bad / "digits.npz").write_bytes(b"PK\x03\x04 truncated")
    import importlib.resources

    monkeypatch.setattr(importlib.resources, "files", lambda _pkg: tmp_path / "asng_nas")
    with pytest.raises(ValueError, match="digits.npz.*reinstall"):
        D.load_digits()
    (bad / "digits.npz").unlink()
    with pytest.raises(FileNotFoundError, match="digits.npz"):
        D.load_digits()
