import numpy as np
import pytest
import torch

from asng_nas.inpainting.data import embedded_faces, load_celeba, split_celeba


def test_embedded_faces_are_real_and_offline():
    x = embedded_faces(64)
    assert x.shape == (100, 3, 64, 64) and x.dtype == torch.uint8
    assert torch.equal(x[:, 0], x[:, 1])  # grayscale replicated
    assert 40 < x.float().mean() < 220 and x.float().std() > 20  # not blank


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
