"""Write asng-nas's embedded default data set, ``packages/asng-nas/src/asng_nas/data/digits.npz``.

Run once, from the repository root, where scikit-learn is installed (it is needed here only;
asng-nas reads the file with numpy)::

    python scripts/make_digits_npz.py

The data is the "Optical Recognition of Handwritten Digits" data set (E. Alpaydin, C. Kaynak,
1998; UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0):
the 1797 8 x 8 images of its test part as scikit-learn bundles them (``sklearn.datasets.load_digits``),
pixel values 0..16. The file holds ``images`` (1797, 8, 8) uint8 and ``target`` (1797,) uint8,
compressed (about 45 kB); ``asng_nas.classification.data.load_digits`` reads it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "packages/asng-nas/src/asng_nas/data/digits.npz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .npz file to write (default: %(default)s)")
    args = ap.parse_args()
    from sklearn.datasets import load_digits

    ds = load_digits()
    images = np.asarray(ds.images)
    if images.shape != (1797, 8, 8) or images.min() < 0 or images.max() > 16 or np.any(images != np.round(images)):
        raise SystemExit(f"unexpected digits data: shape {images.shape}, values {images.min()}..{images.max()}")
    np.savez_compressed(args.out, images=images.astype(np.uint8), target=np.asarray(ds.target, dtype=np.uint8))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
