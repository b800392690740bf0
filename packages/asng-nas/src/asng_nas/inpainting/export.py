"""The export of an inpainting search: ``architecture.json``, ``architecture.png`` and
``inpainting.png`` (:func:`export_inpainting`, :class:`InpaintingExport`), and the architecture
read back from ``architecture.json`` (:func:`load_cae_arch`)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..search.utils import atomic_write_text, to_jsonable
from .arch import CAEArch, NodeSpec
from .space import CAESpace
from .supernet import CAESupernet

if TYPE_CHECKING:
    from ..classification.loader import Loader
    from .task import InpaintingTask

__all__ = ["InpaintingExport", "export_inpainting", "load_cae_arch"]


class InpaintingExport:
    """The export of an inpainting search, called by the searcher as
    ``export(out_dir, space, distribution, theta, extra=...)``: :func:`export_inpainting` with the
    supernet ``model`` (the searcher's: ``Searcher`` moves modules in place), the ``task`` and the
    ``test_loader`` given here, at construction."""

    def __init__(self, model: CAESupernet, task: InpaintingTask, test_loader: Loader | None = None):
        self.model, self.task, self.test_loader = model, task, test_loader

    def __call__(
        self, out_dir: str | Path, space: CAESpace, distribution: Any, theta: Any, extra: dict | None = None
    ) -> dict[str, Any]:
        return export_inpainting(
            out_dir, space, distribution, theta, extra, model=self.model, task=self.task, test_loader=self.test_loader
        )


def export_inpainting(
    out_dir: str | Path,
    space: CAESpace,
    distribution: Any,
    theta: Any,
    extra: dict | None = None,
    model: CAESupernet | None = None,
    task: InpaintingTask | None = None,
    test_loader: Loader | None = None,
) -> dict[str, Any]:
    """``architecture.json`` (choices by name, the architecture, theta), ``architecture.png``
    and, given the supernet ``model``, the ``task`` and a ``test_loader``, ``inpainting.png``
    (masked / restored / truth on the first test images)."""
    out = Path(out_dir)
    mode = distribution.mode(theta)
    doc = {
        "space": "CAESpace",
        "encoding": space.encoding,
        "n_theta": int(distribution.n_theta),
        "space_config": {
            "n_nodes": space.n_nodes,
            "level_back": space.level_back,
            "channels": list(space.channels),
            "channel_range": list(space.channel_range),
        },
        "most_likely": to_jsonable(mode),
        **space.describe(mode),
        "theta": to_jsonable(theta),
        **to_jsonable(dict(extra or {})),
    }
    atomic_write_text(out / "architecture.json", json.dumps(doc, indent=2) + "\n")
    try:
        from .figures import draw_cae, save_inpainting_grid

        arch = space.decode(mode)
        draw_cae(arch, out / "architecture.png")
        if model is not None and task is not None and test_loader is not None:
            batch = next(iter(test_loader.epoch(0)))
            masked, truth = task.prepare(batch, False, None)
            with torch.no_grad():
                model.eval()
                restored = model(masked[:8], arch)
                model.train()
            save_inpainting_grid(masked[:8], restored, truth[:8], out / "inpainting.png", f"{task.mask} mask")
    except ImportError:
        warnings.warn("matplotlib is not installed: architecture.png and inpainting.png not drawn", stacklevel=2)
    return doc


def load_cae_arch(path: str | Path) -> CAEArch:
    """The architecture of an inpainting ``architecture.json`` (or of its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "architecture.json"
    doc = json.loads(p.read_text())
    if "architecture" not in doc or "nodes" not in doc["architecture"]:
        raise ValueError(f"{p} is not an inpainting architecture (no 'architecture.nodes')")
    a = doc["architecture"]
    nodes = tuple(NodeSpec(n["kernel"], bool(n["skip"]), int(n["channels"]), int(n["input"])) for n in a["nodes"])
    return CAEArch(nodes=nodes, output=int(a["output"]))
