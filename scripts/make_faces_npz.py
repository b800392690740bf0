"""Write asng-nas's embedded inpainting faces, ``packages/asng-nas/src/asng_nas/data/faces.npz``.

Run once, from the repository root, where scikit-image is installed (it is needed here only;
asng-nas reads the file with numpy)::

    python scripts/make_faces_npz.py

The data is the subset of "Labeled Faces in the Wild" (G. B. Huang, M. Ramesh, T. Berg and
E. Learned-Miller, University of Massachusetts, Amherst, Technical Report 07-49, 2007) that
scikit-image ships as ``skimage.data.lfw_subset()``: 200 grayscale 25 x 25 crops in [0, 1], the
first 100 faces, the last 100 non-faces. The file holds ``faces`` (100, 25, 25) uint8: the 100
faces as ``round(255 * value)`` (numpy's round half to even), exactly the values asng-nas computed
from scikit-image before the faces shipped with the package.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "packages/asng-nas/src/asng_nas/data/faces.npz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .npz file to write (default: %(default)s)")
    args = ap.parse_args()
    from skimage.data import lfw_subset

    subset = np.asarray(lfw_subset(), dtype=np.float64)
    if subset.shape != (200, 25, 25) or subset.min() < 0 or subset.max() > 1:
        raise SystemExit(f"unexpected lfw_subset: shape {subset.shape}, values {subset.min()}..{subset.max()}")
    faces = np.round(subset[:100] * 255).astype(np.uint8)
    np.savez_compressed(args.out, faces=faces)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
