"""One ``state_dict`` entry per tensor for modules that hold a submodule under several paths.

A weight-sharing cell written with :mod:`asng_nas.nn` primitives registers each edge module twice
or more: once in its own registry (``edges``) and again inside the ``LayerChoice`` of every node
slot that may run it. torch lists such a module's tensors under every path; :func:`hide_aliases`
makes ``state_dict()`` keep only the first path of each module (in ``named_modules`` order) and
lets ``load_state_dict`` (strict) accept a dict without the repeated paths, filling them from the
first one. A dict that does hold them loads too (the values land in the same tensors).
:func:`train_once` is ``train(mode)`` visiting each submodule once: torch's walks every path, so a
search step's ``model.train()`` cost about three times as much on such a cell (about 5 % of an
ENAS search iteration at 5 cells, C = 8, batch 16).
"""

from __future__ import annotations

from typing import Any

from torch import nn

__all__ = ["hide_aliases", "alias_keys", "train_once"]


def alias_keys(module: nn.Module) -> dict[str, str]:
    """``{repeated state key: first state key}`` of ``module``'s tensors, keys relative to ``module``.

    A submodule reached again under a later path (``named_modules(remove_duplicate=False)``)
    repeats the parameters and persistent buffers it owns under that path.
    """
    first: dict[int, str] = {}
    out: dict[str, str] = {}
    for path, m in module.named_modules(remove_duplicate=False):
        if id(m) not in first:
            first[id(m)] = path
            continue
        canon = first[id(m)]
        names = [n for n, p in m._parameters.items() if p is not None]
        names += [n for n, b in m._buffers.items() if b is not None and n not in m._non_persistent_buffers_set]
        for n in names:
            out[f"{path}.{n}"] = f"{canon}.{n}" if canon else n
    return out


def _drop(module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any) -> None:
    for key in alias_keys(module):
        state_dict.pop(prefix + key, None)


def _fill(
    module: nn.Module,
    state_dict: dict[str, Any],
    prefix: str,
    local_metadata: Any,
    strict: bool,
    missing_keys: list[str],
    unexpected_keys: list[str],
    error_msgs: list[str],
) -> None:
    for key, canon in alias_keys(module).items():
        if prefix + key not in state_dict and prefix + canon in state_dict:
            state_dict[prefix + key] = state_dict[prefix + canon]


def hide_aliases(module: nn.Module) -> None:
    """Register the two hooks on ``module`` (call once, in its constructor). Module-level hook
    functions, so a deep copy (``asng_nas.nn.export``) or a pickle keeps working on its own module."""
    module.register_state_dict_post_hook(_drop)
    module.register_load_state_dict_pre_hook(_fill)


def train_once(module: nn.Module, mode: bool = True) -> None:
    """Set ``training = mode`` on ``module`` and on each of its submodules once (``modules()``
    lists a shared one once); a submodule with its own ``train`` method gets that called. The flag
    is set as a plain attribute, which is what ``nn.Module.__setattr__`` does for a bool after
    checking that it is no parameter, buffer or module."""
    object.__setattr__(module, "training", mode)
    for m in module.modules():
        if m is module:
            continue
        if type(m).train is nn.Module.train:
            object.__setattr__(m, "training", mode)
        else:
            m.train(mode)
