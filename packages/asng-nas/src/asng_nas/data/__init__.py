"""The data sets shipped inside asng-nas (``digits.npz``, ``faces.npz``; see ``README.md`` here).

:func:`read_embedded` reads one of them with numpy alone: nothing is downloaded and no optional
package (scikit-learn, scikit-image) is needed.
"""

from __future__ import annotations

import zipfile

import numpy as np

__all__ = ["read_embedded"]


def read_embedded(file: str, shapes: dict[str, tuple[int, ...]], what: str) -> dict[str, np.ndarray]:
    """The arrays of the embedded ``asng_nas/data/<file>``, checked against ``shapes``.

    Args:
        file: the file name in ``asng_nas/data/`` (an ``.npz``).
        shapes: the expected shape of each array to read, by its key in the file.
        what: how errors name the data ("the embedded digits").

    Returns:
        ``{key: array}`` for every key of ``shapes``, as stored (no conversion).

    Raises:
        FileNotFoundError: the file is missing from this install (the message names it).
        ValueError: the file is damaged, lacks a key, or an array has another shape (named too).
    """
    from importlib.resources import as_file, files  # looked up per call: tests substitute a folder

    with as_file(files("asng_nas") / "data" / file) as path:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: {what} are missing from this install; reinstall asng-nas")
        try:
            with np.load(path) as z:
                arrays = {key: np.asarray(z[key]) for key in shapes}
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(f"{path}: {what} are damaged ({e}); reinstall asng-nas") from None
    got = {key: a.shape for key, a in arrays.items()}
    if got != shapes:
        want = ", ".join(f"{k} {s}" for k, s in shapes.items())
        have = ", ".join(f"{k} {s}" for k, s in got.items())
        raise ValueError(f"{path}: expected {want}, got {have}")
    return arrays
