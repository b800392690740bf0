"""The default export of a search result: ``architecture.json`` (and, for a genotype, ``cells.png``).

The JSON holds every variable's chosen value by name (the most likely architecture) and theta.
Any callable ``export(out_dir, space, distribution, theta, extra=dict)`` can replace it
(see :class:`asng_nas.search.searcher.Searcher`); the inpainting search passes its own.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .utils import atomic_write_text, to_jsonable

__all__ = ["export_architecture"]


def export_architecture(
    out_dir: str | Path,
    space: Any,
    distribution: Any,
    theta: Any,
    extra: Mapping[str, Any] | None = None,
    draw: bool = True,
) -> dict[str, Any]:
    """Write ``out_dir/architecture.json`` (and ``out_dir/cells.png`` for a genotype): the most
    likely architecture under ``theta`` (the optimizer's parameter, ``opt.theta``) and theta itself.

    Returns the JSON content.
    """
    out = Path(out_dir)
    mode = distribution.mode(theta)
    doc: dict[str, Any] = {
        "space": type(space).__name__,
        "n_theta": int(distribution.n_theta),
        "most_likely": to_jsonable(mode),
        **space.describe(mode),
        "theta": to_jsonable(theta),
    }
    if extra:
        doc.update(to_jsonable(dict(extra)))
    atomic_write_text(out / "architecture.json", json.dumps(doc, indent=2) + "\n")
    if draw and "genotype" in doc and isinstance(doc["genotype"], Mapping):
        try:
            from ..classification.export import draw_genotype
            from ..classification.genotype import Genotype

            draw_genotype(Genotype.from_dict(doc["genotype"]), out / "cells.png")
        except ImportError:
            warnings.warn("matplotlib is not installed: cells.png not drawn", stacklevel=2)
    return doc
