import numpy as np
import pytest
import torch

from asng_nas.inpainting.data import embedded_faces, load_celeba, split_celeba


def test_embedded_faces_are_real_and_offline():
    x = embedded_faces(64)
    assert x.shape == (100, 3, 64, 64) and x.dtype == torch.uint8
    assert torch.equal(x[:, 0], x[:, 1])  # grayscale replicated
    assert 40 < x.float().mean() < 220 and x.float().std() > 20  # not blank


def test_default_faces_load_without_scikit_image(monkeypatch):
    """A plain install (no [inpainting] extra) has the default faces: they ship as package data."""
    import sys

    monkeypatch.setitem(sys.modules, "skimage", None)  # any import of scikit-image now fails
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(ImportError):
        import skimage.data  # noqa: F401
    x = embedded_faces(16)
    assert x.shape == (100, 3, 16, 16) and x.dtype == torch.uint8 and x.float().std() > 20


def test_shipped_faces_are_scikit_images_lfw_faces():
    """``faces.npz`` holds the first 100 images (the faces) of ``lfw_subset()`` as round(255 v),
    so the default data is the same as when it came from scikit-image."""
    skd = pytest.importorskip("skimage.data")
    from asng_nas.data import read_embedded
    from asng_nas.inpainting.data import _resize_u8

    shipped = read_embedded("faces.npz", {"faces": (100, 25, 25)}, "the embedded faces")["faces"]
    expected = np.round(skd.lfw_subset()[:100] * 255).astype(np.uint8)
    assert shipped.dtype == np.uint8 and np.array_equal(shipped, expected)
    old = _resize_u8(torch.from_numpy(expected).unsqueeze(1), 32).repeat(1, 3, 1, 1)
    assert torch.equal(embedded_faces(32), old)


def test_damaged_embedded_faces_are_one_line(tmp_path, monkeypatch):
    import importlib.resources

    bad = tmp_path / "asng_nas" / "data"
    bad.mkdir(parents=True)
    monkeypatch.setattr(importlib.resources, "files", lambda _pkg: tmp_path / "asng_nas")
    with pytest.raises(FileNotFoundError, match="faces.npz.*reinstall"):
        embedded_faces(16)
    np.savez(bad / "faces.npz", faces=np.zeros((10, 25, 25), np.uint8))
    with pytest.raises(ValueError, match=r"faces.npz: expected faces \(100, 25, 25\)"):
        embedded_faces(16)
    (bad / "faces.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="faces.npz.*damaged.*reinstall"):
        embedded_faces(16)


def _write_celeba(root, n=6, with_boxes=True):
    from PIL import Image

    img_dir = root / "img_align_celeba"
    img_dir.mkdir(parents=True)
    rows = []
    for i in range(n):
        a = np.zeros((60, 40, 3), dtype=np.uint8)  # H=60, W=40, a red 20x20 "face" at x=10, y=30
        a[30:50, 10:30, 0] = 255
        Image.fromarray(a).save(img_dir / f"{i:06d}.png")
        rows.append(f"{i:06d}.png 10 30 20 20")
    if with_boxes:
        (root / "list_bbox_celeba.txt").write_text(f"{n}\nimage_id x_1 y_1 width height\n" + "\n".join(rows) + "\n")


def test_celeba_loader_crops_to_face_box(tmp_path):
    _write_celeba(tmp_path)
    x = load_celeba(tmp_path, size=16)
    assert x.shape == (6, 3, 16, 16) and x.dtype == torch.uint8
    assert x[:, 0].float().mean() > 250 and x[:, 1:].float().mean() < 5  # the crop is the red face
    assert any((tmp_path / ".asng-cache").iterdir())
    assert torch.equal(load_celeba(tmp_path, size=16), x)  # from the cache


def test_celeba_loader_centre_crop_without_boxes(tmp_path):
    _write_celeba(tmp_path, with_boxes=False)
    x = load_celeba(tmp_path, size=8, cache=False)
    red = x[:, 0].float().mean() / 255
    assert 0.2 < red < 0.6  # the centred 40x40 square holds the 20x20 face and background


def test_celeba_errors_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_celeba(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="img_align_celeba"):
        load_celeba(tmp_path)


def test_split():
    tr, te = split_celeba(torch.zeros(100, 3, 4, 4, dtype=torch.uint8))
    assert tr.shape[0] == 95 and te.shape[0] == 5
