"""The argparse types of the ``asng-nas`` flags: :class:`Number` (a finite number in a range),
:class:`IntList` (a comma list of positive integers), :func:`device_flag`, and :data:`CHECKS`,
the range of every numeric flag by ``dest``."""

from __future__ import annotations

import argparse
import math
from typing import Any

__all__ = [
    "CHECKS",
    "MIN_IMAGE_SIZE",
    "NONNEG",
    "NONNEG_INT",
    "IntList",
    "Number",
    "POS",
    "POS_INT",
    "device_flag",
    "range_check",
]


class Number:
    """An argparse ``type`` for a finite int or float in a range, e.g. ``Number(float, gt=0)``.

    Called with the flag's text (or a value from a config file) it returns the number, or raises
    ``argparse.ArgumentTypeError`` ("must be a finite number > 0, got 'nan'"), which argparse
    prints as a one-line usage error."""

    def __init__(
        self,
        kind: type = float,
        *,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
    ):
        self.kind, self.ge, self.gt, self.le, self.lt = kind, ge, gt, le, lt
        self.__name__ = kind.__name__  # argparse names the type in some messages

    def describe(self) -> str:
        bounds = [
            f"{op} {v:g}"
            for op, v in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt))
            if v is not None
        ]
        what = "an integer" if self.kind is int else "a finite number"
        return " ".join([what, " and ".join(bounds)]).strip()

    def __call__(self, value: Any) -> Any:
        bad = argparse.ArgumentTypeError(f"must be {self.describe()}, got {value!r}")
        if isinstance(value, bool):
            raise bad
        try:
            if self.kind is int:
                if isinstance(value, float):
                    if not value.is_integer():
                        raise bad
                    value = int(value)
                v: Any = int(str(value).strip())
            else:
                v = float(value)
        except (TypeError, ValueError):
            raise bad from None
        if not math.isfinite(v):
            raise bad
        if (
            (self.ge is not None and v < self.ge)
            or (self.gt is not None and v <= self.gt)
            or (self.le is not None and v > self.le)
            or (self.lt is not None and v >= self.lt)
        ):
            raise bad
        return v


class IntList:
    """An argparse ``type`` for a comma list of positive integers, e.g. ``64,128,256``.

    ``distinct``: the values must differ (the options of a choice); ``pair``: exactly two values
    ``low,high`` with ``low <= high`` (a range). Also takes a list of ints (from a config file).
    Returns a tuple of ints or raises ``argparse.ArgumentTypeError`` (one line naming the value)."""

    def __init__(self, *, distinct: bool = False, pair: bool = False):
        self.distinct, self.pair = distinct, pair
        self.__name__ = "comma list"

    def describe(self) -> str:
        if self.pair:
            return "two positive integers LOW,HIGH with LOW <= HIGH"
        return "a comma list of " + ("distinct " if self.distinct else "") + "positive integers"

    def __call__(self, value: Any) -> tuple[int, ...]:
        bad = f"must be {self.describe()}, got {value!r}"
        parts = list(value) if isinstance(value, (list, tuple)) else str(value).split(",")
        try:
            ints = tuple(POS_INT(v) for v in parts)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(bad) from None
        if not ints or (self.pair and (len(ints) != 2 or ints[0] > ints[1])):
            raise argparse.ArgumentTypeError(bad)
        if self.distinct and len(set(ints)) != len(ints):
            raise argparse.ArgumentTypeError(f"{bad} (a value is repeated)")
        return ints


def device_flag(text: str) -> str:
    """``--device``: ``auto``, ``cpu``, ``cuda`` or ``cuda:K``; CUDA ones only where torch sees
    that GPU (``argparse.ArgumentTypeError`` otherwise)."""
    t = str(text).strip().lower()
    if t in ("auto", "cpu"):
        return t
    if t == "cuda" or (t.startswith("cuda:") and t[5:].isdigit()):
        import torch

        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            build = f"torch {torch.__version__} " + (
                "without CUDA support" if torch.version.cuda is None else "sees no GPU"
            )
            raise argparse.ArgumentTypeError(f"{text!r}: CUDA is not available ({build}); use --device cpu or auto")
        k = int(t[5:]) if ":" in t else 0
        if k >= n:
            raise argparse.ArgumentTypeError(f"{text!r}: this machine has {n} CUDA device(s), cuda:0 .. cuda:{n - 1}")
        return t
    raise argparse.ArgumentTypeError(f"{text!r} is not a device; use auto, cpu, cuda or cuda:K")


POS_INT = Number(int, ge=1)
NONNEG_INT = Number(int, ge=0)
POS = Number(float, gt=0)
#: the smallest image side of the inpainting commands: SSIM's 11 x 11 window (inpainting.metrics)
MIN_IMAGE_SIZE = 11
NONNEG = Number(float, ge=0)
#: the range of every numeric flag (by dest); a flag not named here is refused at build time
CHECKS: dict[str, Number] = {
    "epochs": POS_INT,
    "batch_size": POS_INT,
    "lr": POS,
    "lr_min": NONNEG,
    "momentum": Number(float, ge=0, lt=1),
    "weight_decay": NONNEG,
    "grad_clip": NONNEG,
    "seed": NONNEG_INT,
    "iters_per_epoch": POS_INT,
    "eval_every": NONNEG_INT,
    "lam_x": POS_INT,
    "lam_theta": Number(int, ge=2),
    "alpha": POS,
    "delta0": POS,
    "cells": POS_INT,
    "channels": POS_INT,
    "nodes": POS_INT,
    "cutout": NONNEG_INT,
    "max_test": POS_INT,
    "target_params": POS,
    "drop_path": Number(float, ge=0, lt=1),
    "aux_weight": NONNEG,
    "threads": POS_INT,
    "image_size": Number(int, ge=MIN_IMAGE_SIZE),
    "limit": POS_INT,
    "iterations": NONNEG_INT,
    "level_back": POS_INT,
    "checkpoint_every": NONNEG_INT,
}


def range_check(dest: str, kind: type) -> Number:
    """The checker of the numeric flag ``dest`` (its kind must match the table's)."""
    if dest not in CHECKS or CHECKS[dest].kind is not kind:
        raise TypeError(f"no range for the {kind.__name__} flag --{dest.replace('_', '-')}: add it to CHECKS")
    return CHECKS[dest]
