"""Drop the weights an exported architecture never runs.

A ``forward`` may hold modules that a fixed architecture does not use: in an ENAS-style node, one
operation per possible input, of which only the chosen input's runs. :func:`unused_paths` runs
a copy of the module on an example input, once in train mode and once in eval mode, and lists the
modules holding parameters or buffers that neither run used: a module is used when it is called,
or when a torch function reads one of its parameters or buffers (``F.linear(x, self.proj.weight)``,
a weight tied to another layer's). :func:`prune` replaces the unused ones by :class:`Unused` (no
weights; calling it raises). The result depends on the example only through control flow: a
``forward`` whose branches depend on the data values may use other modules on other data.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

__all__ = ["Unused", "ProbeError", "unused_paths", "checked_unused_paths", "prune"]


class Unused(nn.Module):
    """What an exported module holds in place of a module its architecture never runs."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("this module is not part of the exported architecture (it was pruned at export)")


def _has_state(m: nn.Module) -> bool:
    return any(True for _ in m.parameters()) or any(True for _ in m.buffers())


class ProbeError(ValueError):
    """The module raised when run on the example input (its message says in which mode and why)."""


class _TensorReads(TorchFunctionMode):
    """Records which of the watched tensors (by ``id``) any torch function receives as an argument."""

    def __init__(self, watched: set[int]):
        super().__init__()
        self.watched, self.read = watched, set[int]()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        stack = [args, kwargs]
        while stack:  # the tensors among the (nested) arguments, e.g. torch.cat's list
            a = stack.pop()
            if isinstance(a, torch.Tensor):
                if id(a) in self.watched:
                    self.read.add(id(a))
            elif isinstance(a, (list, tuple)):
                stack.extend(a)
            elif isinstance(a, dict):
                stack.extend(a.values())
        return func(*args, **kwargs)


def _owners(module: nn.Module) -> dict[int, list[str]]:
    """``id`` of each parameter and buffer -> the paths of the modules that hold it directly."""
    out: dict[int, list[str]] = {}
    for path, m in module.named_modules(remove_duplicate=False):
        for t in [*m._parameters.values(), *m._buffers.values()]:
            if t is not None:
                out.setdefault(id(t), []).append(path)
    return out


def _cuda_devices(module: nn.Module) -> list[int]:
    """The CUDA devices holding ``module``'s tensors (the RNGs a probe may draw from; forking every
    GPU's would create a context on each, from every process of a distributed search)."""
    found = {t.device for t in [*module.parameters(), *module.buffers()] if t.is_cuda}
    return sorted(d.index if d.index is not None else torch.cuda.current_device() for d in found)


def _probe_run(module: nn.Module, example_input: Any, training: bool | None, devices: list[int]) -> None:
    """``module(example_input)``, the RNG states restored afterwards: in train mode with gradients
    (as in training; ``training=True``), in eval mode without (``False``), or (None) with each
    submodule's mode as it is and gradients as its top module's mode says. Sets the modes.
    ``devices``: the CUDA devices whose RNGs it forks (:func:`_cuda_devices`, found before a
    :class:`_TensorReads` is entered: reading ``t.device`` there counts as a read).

    Raises:
        ProbeError: (one line: the mode, the error, the fix) the module raised.
    """
    if training is not None:
        module.train(training)
    try:
        with (
            torch.set_grad_enabled(module.training),
            torch.random.fork_rng(devices=devices),
            warnings.catch_warnings(),  # the user's forward warns in its own runs, not in the probe's
        ):
            warnings.simplefilter("ignore")
            module(example_input)
    except Exception as e:  # noqa: BLE001 - any error of the user's forward becomes one line
        mode = "train" if module.training else "eval"
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ProbeError(
            f"example_input: the exported module raised {type(e).__name__} ({first}) when run on it in {mode} mode; "
            "pass a batch of the model's inputs (BatchNorm in train mode needs more than one item), "
            "or example_input=None to export without pruning"
        ) from e


class _Modes:
    """The train / eval mode of every module of a model, to set back after the probes changed them."""

    def __init__(self, module: nn.Module):
        self.modes = [(m, m.training) for m in module.modules()]

    def restore(self) -> None:
        for m, training in self.modes:
            m.training = training


def _used(probe: nn.Module, example_input: Any) -> tuple[set[str], ProbeError | None]:
    """The paths of the modules of ``probe`` (a copy: it is run, its modes and BN statistics
    change) that ``probe(example_input)`` uses, in its own modes and then in the other mode, and
    the error of the second run (None when it ran). Raises the first run's :class:`ProbeError`."""
    owners = _owners(probe)
    called: set[int] = set()
    hooks = [m.register_forward_pre_hook(lambda mod, args: called.add(id(mod))) for m in probe.modules()]
    reads = _TensorReads(set(owners))
    devices = _cuda_devices(probe)
    other: ProbeError | None = None
    try:
        with reads:
            _probe_run(probe, example_input, None, devices)
        try:
            with reads:
                _probe_run(probe, example_input, not probe.training, devices)
        except ProbeError as e:
            other = e
    finally:
        for h in hooks:
            h.remove()
    used = {path for path, m in probe.named_modules(remove_duplicate=False) if id(m) in called}
    used.update(path for i in reads.read for path in owners[i])
    return used, other


def _outermost_unused(module: nn.Module, used: set[str]) -> list[str]:
    """The outermost paths with parameters or buffers neither in ``used`` nor above a used one."""
    ran: set[str] = set()  # used modules, and their ancestors (a ModuleList is iterated, not called)
    for path in used:
        parts = path.split(".")
        ran.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    out: list[str] = []
    for path, m in module.named_modules(remove_duplicate=False):
        if path and path not in ran and _has_state(m) and not any(path.startswith(p + ".") for p in out):
            out.append(path)
    return out


def _warn_one_mode(other: ProbeError | None) -> None:
    if other is not None:
        warnings.warn(
            f"pruned on the example's run in one mode only: in the other, {other} "
            "(modules that mode alone uses may be pruned)",
            stacklevel=3,
        )


def unused_paths(module: nn.Module, example_input: Any) -> list[str]:
    """The paths of the submodules with parameters or buffers that ``module(example_input)``
    uses in neither train nor eval mode (outermost only), in ``named_modules`` order: not called,
    no module inside them called, and none of their parameters or buffers read by a torch
    function. The train-mode run has gradients enabled, the eval-mode run not. ``module`` is not
    changed (a copy runs; the RNG states are restored afterwards).

    Warns when the run in the other mode than ``module``'s own raises (e.g. BatchNorm in train
    mode on one item): the paths then come from the one mode that ran.

    Raises:
        ProbeError: (a ValueError) the module raised on ``example_input`` in its own mode.
    """
    probe = copy.deepcopy(module)
    used, other = _used(probe, example_input)
    _warn_one_mode(other)
    return _outermost_unused(probe, used)


def checked_unused_paths(module: nn.Module, example_input: Any) -> list[str]:
    """:func:`unused_paths`, if the module pruned of them still runs on ``example_input`` (in the
    modes that ran); else none, with a warning (e.g. a ``forward`` that reads an unused layer's
    ``out_features``, which :class:`Unused` does not have). One copy of ``module`` serves both.

    Raises:
        ProbeError: as :func:`unused_paths`.
    """
    probe = copy.deepcopy(module)
    modes = _Modes(probe)
    used, other = _used(probe, example_input)
    _warn_one_mode(other)
    paths = _outermost_unused(probe, used)
    if not paths:
        return paths
    modes.restore()
    prune(probe, paths)
    devices = _cuda_devices(probe)
    try:
        _probe_run(probe, example_input, None, devices)
        if other is None:
            _probe_run(probe, example_input, not probe.training, devices)
    except ProbeError as e:
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        warnings.warn(
            f"export: kept every module: without the unused ones ({shown}) the module raises {e.__cause__!r} "
            "on example_input",
            stacklevel=3,
        )
        return []
    return paths


def prune(module: nn.Module, paths: Sequence[str]) -> None:
    """Replace the submodules at ``paths`` by :class:`Unused` (in place).

    Raises:
        ValueError: a path that names no submodule (nothing is changed then).
    """
    for path in paths:
        try:
            module.get_submodule(path)
        except AttributeError:
            raise ValueError(f"no submodule {path!r} to prune") from None
    for path in paths:
        parent, _, name = path.rpartition(".")
        setattr(module.get_submodule(parent) if parent else module, name, Unused())
