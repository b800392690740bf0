"""Face images for inpainting: CelebA from a folder, or the embedded LFW faces (``faces.npz``).

Images are returned as uint8 tensors (N, 3, S, S); training code converts to float in [0, 1]
(dividing by 255, as in appendix E.3) on its device and applies random horizontal flips there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..data import read_embedded

__all__ = ["embedded_faces", "load_celeba", "split_celeba", "IMAGE_SUFFIXES", "FACES_FILE"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
PAPER_TRAIN, PAPER_TEST = 101_000, 2_000


def _resize_u8(x: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, H, W) uint8 -> (N, C, size, size) uint8 (bilinear, antialiased when shrinking)."""
    shrink = x.shape[-1] > size or x.shape[-2] > size
    y = F.interpolate(x.float(), size=(size, size), mode="bilinear", align_corners=False, antialias=shrink)
    return y.round().clamp(0, 255).to(torch.uint8)


#: The embedded faces: ``asng_nas/data/faces.npz`` (see ``asng_nas/data/README.md``).
FACES_FILE = "faces.npz"


def embedded_faces(size: int = 64) -> torch.Tensor:
    """The 100 real face images shipped with asng-nas (``asng_nas/data/faces.npz``).

    They are the faces of scikit-image's ``lfw_subset()`` (a 25 x 25 grayscale subset of Labeled
    Faces in the Wild, Huang et al. 2007), stored once as ``round(255 * value)`` uint8 by
    ``scripts/make_faces_npz.py`` and read with numpy alone (no scikit-image, nothing downloaded).
    Resized to ``size`` and repeated to 3 channels: (100, 3, size, size) uint8.

    Raises ``FileNotFoundError`` / ``ValueError`` naming the file when it is missing or damaged.
    """
    faces = read_embedded(FACES_FILE, {"faces": (100, 25, 25)}, "the embedded faces")["faces"]
    if faces.dtype != np.uint8:
        raise ValueError(f"{FACES_FILE}: the embedded faces are {faces.dtype}, not uint8; reinstall asng-nas")
    x = torch.from_numpy(np.ascontiguousarray(faces)).unsqueeze(1)
    return _resize_u8(x, size).repeat(1, 3, 1, 1)


def _image_files(root: Path) -> tuple[Path, list[Path]]:
    for folder in (root / "img_align_celeba", root / "img_celeba", root):
        if folder.is_dir():
            files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if files:
                return folder, files
    raise FileNotFoundError(
        f"no CelebA images under {root}: expected img_align_celeba/*.jpg (as distributed), "
        f"img_celeba/*.jpg, or image files ({', '.join(IMAGE_SUFFIXES)}) directly in the folder"
    )


def _read_bboxes(root: Path) -> dict[str, tuple[int, int, int, int]]:
    """``list_bbox_celeba.txt``: a count line, a header line, then ``name x y w h`` rows."""
    path = root / "list_bbox_celeba.txt"
    if not path.is_file():
        return {}
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for line in path.read_text().splitlines()[2:]:
        parts = line.split()
        if len(parts) == 5:
            x, y, w, h = (int(v) for v in parts[1:])
            boxes[parts[0]] = (x, y, w, h)
    return boxes


def _square_crop(img: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The square around the face box (or the centred square) of an (H, W, 3) image."""
    h, w = img.shape[:2]
    if box is None:
        side = min(h, w)
        cy, cx = h / 2, w / 2
    else:
        x, y, bw, bh = box
        side = min(max(bw, bh), h, w)
        cy, cx = y + bh / 2, x + bw / 2
    top = int(round(min(max(cy - side / 2, 0), h - side)))
    left = int(round(min(max(cx - side / 2, 0), w - side)))
    return img[top : top + side, left : left + side]


def load_celeba(root: str | Path, size: int = 64, limit: int | None = None, cache: bool = True) -> torch.Tensor:
    """Face-cropped, resized CelebA images as (N, 3, size, size) uint8, in file-name order.

    ``root`` holds ``img_align_celeba/`` (or ``img_celeba/``, or the images themselves) and,
    optionally, ``list_bbox_celeba.txt``: with it each image is cropped to the square around its
    face box (the paper's preprocessing), without it to the centred square. The decoded array is
    cached as ``root/.asng-cache/celeba_<size>_<hash>.npy`` so later runs skip the JPEG decoding.
    Needs Pillow.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"CelebA folder {root} does not exist")
    folder, files = _image_files(root)
    if limit is not None:
        files = files[:limit]
    boxes = _read_bboxes(root)
    key = hashlib.sha1(("\n".join(p.name for p in files) + f"|{size}|{bool(boxes)}").encode()).hexdigest()[:12]
    cache_file = root / ".asng-cache" / f"celeba_{size}_{key}.npy"
    if cache and cache_file.is_file():
        return torch.from_numpy(np.load(cache_file))
    from PIL import Image

    out = np.empty((len(files), 3, size, size), dtype=np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as im:
            img = np.asarray(im.convert("RGB"))
        crop = torch.from_numpy(np.array(_square_crop(img, boxes.get(path.name)))).permute(2, 0, 1)
        out[i] = _resize_u8(crop.unsqueeze(0), size)[0].numpy()
    if cache:
        try:
            cache_file.parent.mkdir(exist_ok=True)
            np.save(cache_file, out)
        except OSError:
            pass  # a read-only dataset folder: no cache, same result
    return torch.from_numpy(out)


def split_celeba(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's split: the first 101,000 images train, the next 2,000 test.

    With fewer than 103,000 images the last min(2,000, max(1, N // 20)) images are the test set.
    """
    n = images.shape[0]
    if n >= PAPER_TRAIN + PAPER_TEST:
        return images[:PAPER_TRAIN], images[PAPER_TRAIN : PAPER_TRAIN + PAPER_TEST]
    n_test = min(PAPER_TEST, max(1, n // 20))
    return images[: n - n_test], images[n - n_test :]
