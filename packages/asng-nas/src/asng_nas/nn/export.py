"""Export one architecture of a model as an ordinary ``nn.Module``, and rebuild it from JSON.

:func:`export` deep-copies the model and replaces, recursively, every :class:`LayerChoice` by its
active candidate, every :class:`InputChoice` by a :class:`FixedInputs`, and every weight-sharing
wrapper by the torch layer of its active shape with the sliced weights. The user's ``forward``
runs unchanged on the result. The JSON document (:attr:`Exported.spec`) holds the choices and the
exported module's parameter shapes; :func:`rebuild` applies it to a fresh supernet (the user's
constructor) and checks the shapes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .discover import activate, check_labels, discover
from .layers import FixedInputs, InputChoice, LayerChoice
from .mutable import Mutable
from .ops import WeightSharing
from .prune import checked_unused_paths, prune
from .space import jsonable_choices

__all__ = ["Exported", "export", "rebuild", "FORMAT", "INITS"]

FORMAT = "asng-nas-nn-architecture-v1"
INITS = ("copy", "fresh")


@dataclass
class Exported:
    """An exported architecture: ``module`` (a plain ``nn.Module``) and ``spec`` (its JSON document:
    ``format``, ``choices`` ``{label: value}``, ``pruned`` (paths of the modules replaced by
    ``Unused``), ``parameters`` ``{name: shape}``)."""

    module: nn.Module
    spec: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.spec, indent=2) + "\n"

    def save(self, directory: str | Path) -> None:
        """``architecture.json`` (the spec) and ``model.pt`` (the module's ``state_dict``) in ``directory``."""
        from ..search.utils import atomic_torch_save, atomic_write_text

        d = Path(directory)
        atomic_write_text(d / "architecture.json", self.to_json())
        atomic_torch_save(self.module.state_dict(), d / "model.pt")


def _fix(module: nn.Module) -> nn.Module:
    if isinstance(module, LayerChoice):
        return _fix(module.candidate(module.active()))
    if isinstance(module, InputChoice):
        return FixedInputs(module.n_candidates, module.chosen, module.reduction).train(module.training)
    if isinstance(module, WeightSharing):
        return module.to_plain()
    for name, child in list(module.named_children()):
        new = _fix(child)
        if new is not child:
            setattr(module, name, new)
    return module


def _reset(module: nn.Module) -> None:
    for m in module.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()


def export(
    model: nn.Module,
    choices: Mapping[str, Any],
    init: str = "copy",
    example_input: Any = None,
    pruned: Sequence[str] | None = None,
) -> Exported:
    """The architecture ``choices`` (``{label: candidate or its JSON form}``, e.g. a search's most
    likely one) of ``model`` as an ordinary module.

    Args:
        model: the supernet (left unchanged: the export works on a deep copy).
        choices: a value for every variable of ``model``.
        init: ``"copy"`` (the supernet's weights, sliced; BN statistics copied) or ``"fresh"``
            (every submodule's ``reset_parameters()`` and BN statistics reset, from torch's
            global RNG: retraining from scratch). Parameters of custom modules without
            ``reset_parameters`` keep the copied values.
        example_input: if given (a batch of the model's inputs), the exported module runs on it
            (on a copy, in train and in eval mode) and the submodules with weights that neither
            run uses (called, or their parameters or buffers read) are replaced by
            :class:`~asng_nas.nn.prune.Unused` (e.g. the operations of the inputs an ENAS-style
            node did not choose); their paths go to ``spec["pruned"]``. If the module without
            them fails on the example, nothing is pruned (a warning says why); if the run in
            the other mode than ``model``'s fails (BatchNorm in train mode on one item), the
            pruning follows the one mode that ran (a warning says so).
        pruned: those paths given directly (what :func:`rebuild` passes).

    Returns:
        :class:`Exported`: the module (same device, ``train``/``eval`` mode as ``model``) and its spec.

    Raises:
        ValueError: a bad ``init``, an unknown or missing label, a value that is not a candidate;
            :class:`~asng_nas.nn.prune.ProbeError` (a ValueError): the exported module raised on
            ``example_input`` in ``model``'s own mode.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    variables = discover(model)
    check_labels(variables, choices, need_all=True)
    converted = {label: v.convert(choices[label]) for label, v in variables.items()}
    # mixture weights (possibly non-leaf tensors) are not copied: the copy is put in the sampled state
    mixed = [m.weights for v in variables.values() for m in v.mutables if m.weights is not None]
    memo: dict[int, Any] = {id(w): None for w in mixed}
    fixed = copy.deepcopy(model, memo)
    activate(fixed, converted)
    fixed = _fix(fixed)
    left = [type(m).__name__ for m in fixed.modules() if isinstance(m, (Mutable, WeightSharing))]
    if left:  # pragma: no cover - _fix replaces every primitive
        raise RuntimeError(f"export left choice modules behind: {left}")
    if pruned is None:
        pruned = checked_unused_paths(fixed, example_input) if example_input is not None else []
    prune(fixed, pruned)
    if init == "fresh":
        _reset(fixed)
    spec = {
        "format": FORMAT,
        "choices": jsonable_choices(converted),
        "pruned": list(pruned),
        "parameters": {name: list(p.shape) for name, p in fixed.state_dict().items()},
    }
    return Exported(fixed, spec)


def _load_spec(spec: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(spec, Mapping):
        return dict(spec)
    path = Path(spec)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read the architecture JSON ({e})") from None
    if isinstance(doc, dict) and "nn" in doc and isinstance(doc["nn"], dict):  # a search's architecture.json
        doc = doc["nn"]
    return doc


def rebuild(
    spec: Mapping[str, Any] | str | Path,
    supernet: nn.Module | Callable[[], nn.Module],
    weights: Mapping[str, torch.Tensor] | str | Path | None = None,
) -> nn.Module:
    """The exported module described by ``spec`` (a dict, or the path of ``architecture.json``
    from :meth:`Exported.save` or a search), built from ``supernet`` (a model, or its constructor)
    with freshly initialised weights, then ``weights`` (a state dict or the ``model.pt`` path) if given.

    Raises:
        ValueError: not an architecture spec, choices that do not fit the supernet, parameter
            shapes that differ from the spec's (the supernet's code changed), ``weights`` that
            are damaged, not a state dict or of another module (the file named);
            FileNotFoundError: no ``weights`` file.
    """
    doc = _load_spec(spec)
    if doc.get("format") != FORMAT or not isinstance(doc.get("choices"), dict):
        raise ValueError(f"not an asng-nas architecture (expected format {FORMAT!r} with 'choices')")
    pruned = doc.get("pruned") or []
    if not isinstance(pruned, list) or not all(isinstance(p, str) for p in pruned):
        raise ValueError(f"the spec's 'pruned' must be a list of module paths, got {pruned!r}")
    model = supernet if isinstance(supernet, nn.Module) else supernet()
    module = export(model, doc["choices"], init="fresh", pruned=pruned).module
    shapes = {name: list(t.shape) for name, t in module.state_dict().items()}
    expected = doc.get("parameters")
    if expected is not None and shapes != expected:
        raise ValueError(f"the rebuilt module's parameters differ from the spec's: {_diff(shapes, expected)[:5]}")
    if weights is not None:
        _load_weights(module, weights)
    return module


def _load_weights(module: nn.Module, weights: Mapping[str, torch.Tensor] | str | Path) -> None:
    """``module.load_state_dict`` of ``weights`` (a state dict, or a file holding one), with one
    ValueError line naming the file for one that is missing, damaged, or of another module."""
    from ..search.checkpoint import load_torch_file

    where = f"{weights}" if isinstance(weights, (str, Path)) else "weights"
    fix = "give the model.pt that Exported.save (or the search's export/) wrote with this architecture"
    state = load_torch_file(weights, fix) if isinstance(weights, (str, Path)) else weights
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{where} is not a state dict (holds a {type(state).__name__}); {fix}")
    try:
        module.load_state_dict(dict(state))
    except RuntimeError as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()] or [type(e).__name__]
        ours, theirs = set(module.state_dict()), set(state)
        keys = f"missing {sorted(ours - theirs)[:3]}, unexpected {sorted(theirs - ours)[:3]}"
        detail = keys if ours != theirs else lines[min(1, len(lines) - 1)]
        raise ValueError(f"{where} does not fit the rebuilt module ({detail}); {fix}") from None


def _diff(a: Mapping[str, list[int]], b: Mapping[str, list[int]]) -> list[str]:
    return [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
