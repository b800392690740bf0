"""Flags generated from the fields of a config dataclass (:func:`field_flags`) and the config
built back from the parsed flags (:func:`config_from_args`), with the help texts of those flags."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .argtypes import Number, range_check

__all__ = ["FIELD_OF_DEST", "FLAG_HELP", "config_from_args", "field_flags"]

C = TypeVar("C")

# flag dest -> config field, where they differ (the flag keeps its historical name)
FIELD_OF_DEST = {"cells": "n_cells"}
DEST_OF_FIELD = {v: k for k, v in FIELD_OF_DEST.items()}
_FLAG_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


def _flag_type(f: dataclasses.Field[Any]) -> type:
    """The flag type of a config field annotated ``T`` or ``T | None`` (T: int, float, str, bool),
    read from the annotation's text (the config modules use postponed annotations; evaluating
    ``int | None`` needs Python >= 3.10)."""
    names = [n.strip() for n in str(getattr(f.type, "__name__", f.type)).split("|")]
    kinds = [n for n in names if n != "None"]
    if len(kinds) != 1 or kinds[0] not in _FLAG_TYPES:
        raise TypeError(f"config field {f.name}: no flag for the type {f.type!r}")
    return _FLAG_TYPES[kinds[0]]


def field_flags(
    p: argparse.ArgumentParser,
    cls: type,
    dests: Iterable[str],
    *,
    defaults: Mapping[str, Any] | None = None,
    helps: Mapping[str, str] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
    checks: Mapping[str, Number] | None = None,
) -> None:
    """One flag per field of the config dataclass ``cls``, in the order of ``dests``: ``--name``
    with the field's type and default (``defaults`` overrides it), or ``--no-name`` for a
    boolean field that defaults to true. A numeric flag is checked by its :class:`Number` of
    ``CHECKS`` (``checks`` overrides it). The namespace then holds the field's value under
    ``dest``, and :func:`config_from_args` builds ``cls`` from it."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for dest in dests:
        f = fields[FIELD_OF_DEST.get(dest, dest)]
        flag = dest.replace("_", "-")
        kw: dict[str, Any] = {"help": (helps or {}).get(dest) or FLAG_HELP.get(dest, "")}
        kind = _flag_type(f)
        if kind is bool:
            if f.default is not True:  # no such field yet: it would need a --name store_true flag
                raise TypeError(f"config field {f.name}: only booleans that default to true get a flag")
            p.add_argument(f"--no-{flag}", dest=dest, action="store_false", **kw)
            continue
        if kind is not str:
            kw["type"] = checks[dest] if checks and dest in checks else range_check(dest, kind)
        if choices and dest in choices:
            kw["choices"] = list(choices[dest])
        default = defaults[dest] if defaults and dest in defaults else f.default
        p.add_argument(f"--{flag}", default=default, **kw)


def config_from_args(cls: type[C], args: argparse.Namespace, **given: Any) -> C:
    """The config dataclass ``cls`` from the parsed flags: every field with a flag of its name
    takes the flag's value, ``given`` wins, the other fields keep their defaults."""
    values = vars(args)
    kw = {
        f.name: values[DEST_OF_FIELD.get(f.name, f.name)]
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and DEST_OF_FIELD.get(f.name, f.name) in values
    }
    kw.update(given)
    return cls(**kw)


# the help of the flags generated from config fields (by dest)
FLAG_HELP = {
    "epochs": "training epochs",
    "lr": "SGD learning rate at the start of the cosine schedule",
    "lr_min": "learning rate at the end of the cosine schedule",
    "momentum": "SGD momentum",
    "weight_decay": "SGD weight decay",
    "grad_clip": "clip the gradient norm to this (0: no clipping)",
    "seed": "random seed (weights, architectures, data order)",
    "iters_per_epoch": "cap on iterations per epoch (default: the whole data)",
    "eval_every": "evaluate every k epochs (0: only at the end)",
    "amp": "no bf16 autocast on CUDA",
    "channels_last": "no channels-last memory format on CUDA",
    "progress": "quiet: no per-epoch lines on stdout and no progress bar (the bar is drawn on stderr only "
    "when stderr is a terminal; the per-epoch lines are printed either way unless this flag is given)",
    "lam_x": "architectures per weight step (default: the world size, at least 2)",
    "lam_theta": "architectures per theta step (default: the world size, at least 2)",
    "alpha": "ASNG's alpha (trust-region update factor)",
    "delta0": "ASNG's initial trust-region radius delta_theta^0",
    "schedule": "cosine learning-rate annealing per epoch or per iteration",
    "cells": "cells of the network",
    "target_params": "parameter budget that sets the width when --channels is not given",
    "drop_path": "final drop-path probability (rises linearly from 0)",
    "aux_weight": "weight of the auxiliary head's loss (0: off)",
    "iterations": "training iterations",
    "batch_size": "images per batch",
    "checkpoint_every": "iterations between two checkpoints (0: only at the end)",
}
