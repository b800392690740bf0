"""Argument parser of the command line ``asng-nas search | retrain | evaluate | inpaint-search | inpaint-retrain``.

Every flag can also come from a JSON or TOML file given with ``--config`` (keys are the flag
names, with dashes or underscores); flags given on the command line win.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["build_parser", "config_from_args", "parse_args"]

C = TypeVar("C")

# flag dest -> config field, where they differ (the flag keeps its historical name)
_FIELD_OF_DEST = {"cells": "n_cells"}
_DEST_OF_FIELD = {v: k for k, v in _FIELD_OF_DEST.items()}


class _Parser(argparse.ArgumentParser):
    """``ArgumentParser`` that remembers the ``dest`` of every flag it was given (the keys a
    ``--config`` file may set) and, on the root parser, its sub-command parsers by name."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.dests: set[str] = set()  # before super().__init__, which adds --help
        self.commands: dict[str, _Parser] = {}
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.dests.add(action.dest)
        return action


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


def _field_flags(
    p: argparse.ArgumentParser,
    cls: type,
    dests: Iterable[str],
    *,
    defaults: Mapping[str, Any] | None = None,
    helps: Mapping[str, str] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """One flag per field of the config dataclass ``cls``, in the order of ``dests``: ``--name``
    with the field's type and default (``defaults`` overrides it), or ``--no-name`` for a
    boolean field that defaults to true. The namespace then holds the field's value under
    ``dest``, and :func:`config_from_args` builds ``cls`` from it."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for dest in dests:
        f = fields[_FIELD_OF_DEST.get(dest, dest)]
        flag = dest.replace("_", "-")
        kw: dict[str, Any] = {}
        if helps and dest in helps:
            kw["help"] = helps[dest]
        kind = _flag_type(f)
        if kind is bool:
            if f.default is not True:  # no such field yet: it would need a --name store_true flag
                raise TypeError(f"config field {f.name}: only booleans that default to true get a flag")
            p.add_argument(f"--no-{flag}", dest=dest, action="store_false", **kw)
            continue
        if kind is not str:
            kw["type"] = kind
        if choices and dest in choices:
            kw["choices"] = list(choices[dest])
        default = defaults[dest] if defaults and dest in defaults else f.default
        p.add_argument(f"--{flag}", default=default, **kw)


def config_from_args(cls: type[C], args: argparse.Namespace, **given: Any) -> C:
    """The config dataclass ``cls`` from the parsed flags: every field with a flag of its name
    takes the flag's value, ``given`` wins, the other fields keep their defaults."""
    values = vars(args)
    kw = {
        f.name: values[_DEST_OF_FIELD.get(f.name, f.name)]
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and _DEST_OF_FIELD.get(f.name, f.name) in values
    }
    kw.update(given)
    return cls(**kw)


def _data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dataset",
        default="digits",
        choices=["digits", "cifar10", "fashion-mnist"],
        help="digits is embedded (scikit-learn); cifar10 needs --data-dir",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="cifar-10-batches-py folder, or the Fashion-MNIST IDX folder (default /usr/share/datasets/fashion-mnist)",
    )
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--config", default=None, help="JSON or TOML file of flag values")


_TRAIN_HELP = {
    "iters_per_epoch": "cap on iterations per epoch (default: the whole data)",
    "eval_every": "evaluate every k epochs (0: only at the end)",
    "amp": "no bf16 autocast on CUDA",
}
_TRAIN_FIELDS = (
    "lr",
    "lr_min",
    "momentum",
    "weight_decay",
    "grad_clip",
    "seed",
    "iters_per_epoch",
    "eval_every",
    "amp",
    "channels_last",
    "progress",
)


def _train_flags(p: argparse.ArgumentParser, cls: type, epochs: int, batch: int) -> None:
    """The SGD training flags shared by the search (``SearchConfig``) and the retraining
    (``CellRetrainConfig``)."""
    _field_flags(p, cls, ["epochs"], defaults={"epochs": epochs})
    p.add_argument("--batch-size", type=int, default=batch)
    _field_flags(p, cls, _TRAIN_FIELDS, helps=_TRAIN_HELP)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")


def _asng_flags(p: argparse.ArgumentParser, cls: type) -> None:
    _field_flags(
        p,
        cls,
        ["lam_x", "lam_theta", "alpha", "delta0"],
        defaults={"lam_x": None, "lam_theta": None},  # None: the config's rule (the world size, at least 2)
        helps={
            "lam_x": "architectures per weight step (default: the world size, at least 2)",
            "lam_theta": "architectures per theta step (default: the world size, at least 2)",
            "delta0": "ASNG's initial trust-region radius delta_theta^0",
        },
    )


def _inpaint_data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", default=None, help="CelebA folder (img_align_celeba/ ...); default: the 100 embedded LFW faces"
    )
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--limit", type=int, default=None, help="use the first N CelebA images only")
    p.add_argument("--mask", default="center", choices=["center", "pixel", "half"])
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--config", default=None, help="JSON or TOML file of flag values")


def build_parser() -> _Parser:
    from ..classification.retrain import CellRetrainConfig
    from ..inpainting.task import InpaintRetrainConfig
    from ..search.config import SearchConfig

    ap = _Parser(prog="asng-nas", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> _Parser:
        p: _Parser = sub.add_parser(name, help=help)
        ap.commands[name] = p
        return p

    s = command("search", help="search cells with ASNG on a weight-sharing supernet")
    _data_flags(s)
    _train_flags(s, SearchConfig, epochs=100, batch=64)
    s.add_argument("--out", default="runs/search", help="output folder")
    s.add_argument("--cells", type=int, default=8)
    s.add_argument("--channels", type=int, default=16)
    s.add_argument("--nodes", type=int, default=5)
    _asng_flags(s, SearchConfig)
    _field_flags(s, SearchConfig, ["schedule"], choices={"schedule": ["epoch", "iteration"]})
    s.add_argument("--cutout", type=int, default=0, help="cutout size during search (0: off)")
    s.add_argument("--max-test", type=int, default=None, help="evaluate on the first N test images only")

    r = command("retrain", help="train an exported architecture from scratch")
    _data_flags(r)
    _train_flags(r, CellRetrainConfig, epochs=600, batch=80)
    r.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    r.add_argument("--out", default="runs/retrain")
    _field_flags(
        r,
        CellRetrainConfig,
        ["cells", "channels", "target_params", "drop_path", "aux_weight", "cutout"],
        helps={
            "channels": "width C (default: the largest with <= --target-params parameters)",
            "cutout": "cutout square side (default: half the image side, 16 on CIFAR-10)",
        },
    )

    i = command("inpaint-search", help="search a convolutional autoencoder for inpainting (section 3.3)")
    _inpaint_data_flags(i)
    _train_flags(i, SearchConfig, epochs=50, batch=16)
    _asng_flags(i, SearchConfig)
    i.add_argument(
        "--iterations", type=int, default=50_000, help="search iterations (epochs of <= 1000; 0: use --epochs)"
    )
    i.add_argument("--encoding", default="cat", choices=["cat", "int"])
    i.add_argument("--nodes", type=int, default=20)
    i.add_argument("--level-back", type=int, default=5)
    i.add_argument("--channels", default="64,128,256", help="width choices of the cat encoding")
    i.add_argument("--channel-range", default="64,256", help="width range of the int encoding")
    i.add_argument("--out", default="runs/inpaint-search", help="output folder")

    ir = command("inpaint-retrain", help="retrain an exported inpainting architecture (Adam)")
    _inpaint_data_flags(ir)
    ir.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    _field_flags(ir, InpaintRetrainConfig, ["iterations", "lr", "batch_size", "eval_every", "seed", "checkpoint_every"])
    ir.add_argument("--out", default="runs/inpaint-retrain")
    ir.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")

    e = command("evaluate", help="test error of a saved model")
    _data_flags(e)
    e.add_argument("--model", required=True, help="model.pt written by retrain")
    e.add_argument("--batch-size", type=int, default=256)
    return ap


def _load_config(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.suffix == ".toml":
        try:
            import tomllib
        except ImportError:  # pragma: no cover - Python < 3.11
            raise SystemExit("TOML configs need Python >= 3.11; use JSON") from None
        with open(p, "rb") as fh:
            cfg = tomllib.load(fh)
    else:
        with open(p) as fh:
            cfg = json.load(fh)
    if not isinstance(cfg, dict):
        raise SystemExit(f"{path}: the config must be a table / object of flag values")
    return {k.replace("-", "_"): v for k, v in cfg.items()}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.config:
        cfg = _load_config(args.config)
        sub = ap.commands[args.command]
        bad = sorted(set(cfg) - sub.dests)
        if bad:
            raise SystemExit(f"{args.config}: unknown keys {bad}")
        sub.set_defaults(**cfg)
        args = ap.parse_args(argv)
    return args
