"""Argument parser of the command line ``asng-nas search | retrain | evaluate | inpaint-search |
inpaint-retrain | summary``.

Every flag can also come from a JSON or TOML file given with ``--config`` (keys are the flag
names, with dashes or underscores); flags given on the command line win. Every numeric flag is
checked when parsed (:class:`Number`: finite, in range), values from a config file too, and
``--device`` names a device this machine has: a bad value is argparse's one-line usage error.
``--help`` shows every default (the search's are the paper's: hours on a CPU).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

__all__ = ["Number", "build_parser", "config_from_args", "parse_args", "device_flag"]

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

    def error(self, message: str) -> NoReturn:
        """A usage error as one line on stderr (not argparse's usage block), exit status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's line breaks and appends ``(default: X)`` to every flag whose help
    does not already state its default (not for ``--no-x`` switches or ``None`` defaults)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            action.option_strings
            and "default" not in text
            and action.default not in (None, argparse.SUPPRESS)
            and action.nargs != 0  # store_true / store_false switches
        ):
            text += " (default: %(default)s)"
        return text


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


_POS_INT = Number(int, ge=1)
_NONNEG_INT = Number(int, ge=0)
_POS = Number(float, gt=0)
_NONNEG = Number(float, ge=0)
#: the range of every numeric flag (by dest); a flag not named here is refused at build time
_CHECKS: dict[str, Number] = {
    "epochs": _POS_INT,
    "batch_size": _POS_INT,
    "lr": _POS,
    "lr_min": _NONNEG,
    "momentum": Number(float, ge=0, lt=1),
    "weight_decay": _NONNEG,
    "grad_clip": _NONNEG,
    "seed": _NONNEG_INT,
    "iters_per_epoch": _POS_INT,
    "eval_every": _NONNEG_INT,
    "lam_x": _POS_INT,
    "lam_theta": Number(int, ge=2),
    "alpha": _POS,
    "delta0": _POS,
    "cells": _POS_INT,
    "channels": _POS_INT,
    "nodes": _POS_INT,
    "cutout": _NONNEG_INT,
    "max_test": _POS_INT,
    "target_params": _POS,
    "drop_path": Number(float, ge=0, lt=1),
    "aux_weight": _NONNEG,
    "threads": _POS_INT,
    "image_size": Number(int, ge=8),
    "limit": _POS_INT,
    "iterations": _NONNEG_INT,
    "level_back": _POS_INT,
    "checkpoint_every": _NONNEG_INT,
}


def _check(dest: str, kind: type) -> Number:
    """The checker of the numeric flag ``dest`` (its kind must match the table's)."""
    if dest not in _CHECKS or _CHECKS[dest].kind is not kind:
        raise TypeError(f"no range for the {kind.__name__} flag --{dest.replace('_', '-')}: add it to _CHECKS")
    return _CHECKS[dest]


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
    checks: Mapping[str, Number] | None = None,
) -> None:
    """One flag per field of the config dataclass ``cls``, in the order of ``dests``: ``--name``
    with the field's type and default (``defaults`` overrides it), or ``--no-name`` for a
    boolean field that defaults to true. A numeric flag is checked by its :class:`Number` of
    ``_CHECKS`` (``checks`` overrides it). The namespace then holds the field's value under
    ``dest``, and :func:`config_from_args` builds ``cls`` from it."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for dest in dests:
        f = fields[_FIELD_OF_DEST.get(dest, dest)]
        flag = dest.replace("_", "-")
        kw: dict[str, Any] = {"help": (helps or {}).get(dest) or _HELP.get(dest, "")}
        kind = _flag_type(f)
        if kind is bool:
            if f.default is not True:  # no such field yet: it would need a --name store_true flag
                raise TypeError(f"config field {f.name}: only booleans that default to true get a flag")
            p.add_argument(f"--no-{flag}", dest=dest, action="store_false", **kw)
            continue
        if kind is not str:
            kw["type"] = checks[dest] if checks and dest in checks else _check(dest, kind)
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


# the help of the flags generated from config fields (by dest)
_HELP = {
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
    "progress": "no progress bar and no per-epoch lines",
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

_SCALE_NOTE = """\
The defaults are the paper's scale:
{scale}.
A small example on the embedded data{took}:

  {example}
"""
_SEARCH_EXAMPLE = (
    "asng-nas search --epochs 10 --cells 3 --channels 8 --batch-size 32 --threads 1 --out runs/digits-search"
)
_DESCRIPTIONS = {
    "search": _SCALE_NOTE.format(
        scale="100 epochs of an 8-cell supernet, hours on a CPU (meant for a GPU)",
        example=_SEARCH_EXAMPLE,
        took=" (under a minute on 2 cores)",
    ),
    "retrain": _SCALE_NOTE.format(
        scale="600 epochs of 20 cells (about 4 million parameters), days on a CPU (meant for a GPU)",
        example="asng-nas retrain --arch runs/digits-search --epochs 5 --cells 3 --channels 8 --threads 1 "
        "--out runs/digits-retrain",
        took="",
    ),
    "inpaint-search": _SCALE_NOTE.format(
        scale="50,000 iterations on 64 x 64 faces, widths up to 256, days on a CPU (meant for a GPU)",
        example="asng-nas inpaint-search --iterations 300 --nodes 10 --channels 16,32,64 --image-size 32 "
        "--threads 1 --out runs/inpaint-search",
        took="",
    ),
    "inpaint-retrain": _SCALE_NOTE.format(
        scale="500,000 iterations, days on a CPU (meant for a GPU)",
        example="asng-nas inpaint-retrain --arch runs/inpaint-search --iterations 500 --eval-every 100 "
        "--image-size 32 --threads 1 --out runs/inpaint-retrain",
        took="",
    ),
}
_ROOT_DESCRIPTION = f"""\
One-shot neural architecture search with ASNG (Akimoto, Shirakawa et al., ICML 2019).

The defaults of search, retrain, inpaint-search and inpaint-retrain are the paper's scale (hours to
days on a CPU). A short search on the embedded digits, under a minute on 2 cores:

  {_SEARCH_EXAMPLE}
  asng-nas summary runs/digits-search
"""


def _data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dataset",
        default="digits",
        choices=["digits", "cifar10", "fashion-mnist"],
        help="digits: the embedded 8x8 digits; cifar10 and fashion-mnist read --data-dir",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="cifar-10-batches-py folder, or the Fashion-MNIST IDX folder (default for "
        "fashion-mnist: /usr/share/datasets/fashion-mnist)",
    )
    _run_flags(p)


def _run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", type=device_flag, help="auto (CUDA if present), cpu, cuda, cuda:1")
    p.add_argument("--threads", type=_CHECKS["threads"], default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--config", default=None, help="JSON or TOML file of flag values")


def _out_flags(p: argparse.ArgumentParser, default: str, resume: bool) -> None:
    """``--out`` and ``--overwrite`` (and ``--resume``) of a command that writes into a folder."""
    p.add_argument("--out", default=default, help="output folder")
    if resume:
        p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of a previous run in --out (refused without)"
    )


def _runtime_flags(p: argparse.ArgumentParser, cls: type) -> None:
    """``--compile`` and ``--tensorboard`` of the retrainings."""
    from ..search.training import COMPILE_CHOICES

    _field_flags(
        p,
        cls,
        ["compile", "tensorboard"],
        choices={"compile": COMPILE_CHOICES},
        helps={
            "compile": "torch.compile the network: off, on (= inductor; needs a C++ compiler on the CPU, Triton "
            "on a GPU), inductor, aot_eager, eager",
            "tensorboard": "also log scalars to TensorBoard event files in this folder (needs tensorboard)",
        },
    )


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
    p.add_argument("--batch-size", type=_CHECKS["batch_size"], default=batch, help="images per batch")
    _field_flags(p, cls, _TRAIN_FIELDS)


def _asng_flags(p: argparse.ArgumentParser, cls: type) -> None:
    _field_flags(
        p,
        cls,
        ["lam_x", "lam_theta", "alpha", "delta0"],
        defaults={"lam_x": None, "lam_theta": None},  # None: the config's rule (the world size, at least 2)
    )


def _inpaint_data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", default=None, help="CelebA folder (img_align_celeba/ ...); default: the 100 embedded LFW faces"
    )
    p.add_argument("--image-size", type=_CHECKS["image_size"], default=64, help="side of the square images")
    p.add_argument("--limit", type=_CHECKS["limit"], default=None, help="use the first N CelebA images only")
    p.add_argument("--mask", default="center", choices=["center", "pixel", "half"], help="the corruption")
    _run_flags(p)


def build_parser() -> _Parser:
    from ..classification.retrain import CellRetrainConfig
    from ..inpainting.task import InpaintRetrainConfig
    from ..search.config import SearchConfig

    ap = _Parser(prog="asng-nas", description=_ROOT_DESCRIPTION, formatter_class=_HelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> _Parser:
        desc = f"{help[0].upper()}{help[1:]}.\n\n{_DESCRIPTIONS[name]}" if name in _DESCRIPTIONS else None
        p: _Parser = sub.add_parser(name, help=help, description=desc, formatter_class=_HelpFormatter)
        ap.commands[name] = p
        return p

    s = command("search", help="search cells with ASNG on a weight-sharing supernet")
    _data_flags(s)
    _train_flags(s, SearchConfig, epochs=100, batch=64)
    _out_flags(s, "runs/search", resume=True)
    s.add_argument("--cells", type=_CHECKS["cells"], default=8, help="cells of the supernet")
    s.add_argument("--channels", type=_CHECKS["channels"], default=16, help="channels C of the first cells")
    s.add_argument("--nodes", type=_CHECKS["nodes"], default=5, help="nodes per cell")
    _asng_flags(s, SearchConfig)
    _field_flags(s, SearchConfig, ["schedule"], choices={"schedule": ["epoch", "iteration"]})
    s.add_argument("--cutout", type=_CHECKS["cutout"], default=0, help="cutout size during search (0: off)")
    s.add_argument(
        "--max-test", type=_CHECKS["max_test"], default=None, help="evaluate on the first N test images only"
    )

    r = command("retrain", help="train an exported architecture from scratch")
    _data_flags(r)
    _train_flags(r, CellRetrainConfig, epochs=600, batch=80)
    r.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    _out_flags(r, "runs/retrain", resume=True)
    _runtime_flags(r, CellRetrainConfig)
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
        "--iterations",
        type=_CHECKS["iterations"],
        default=50_000,
        help="search iterations, as epochs of <= 1000 (0: use --epochs)",
    )
    i.add_argument("--encoding", default="cat", choices=["cat", "int"], help="categorical or integer widths")
    i.add_argument("--nodes", type=_CHECKS["nodes"], default=20, help="candidate nodes")
    i.add_argument("--level-back", type=_CHECKS["level_back"], default=5, help="how far back a node may read")
    i.add_argument("--channels", default="64,128,256", help="width choices of the cat encoding")
    i.add_argument("--channel-range", default="64,256", help="width range of the int encoding")
    _out_flags(i, "runs/inpaint-search", resume=True)

    ir = command("inpaint-retrain", help="retrain an exported inpainting architecture (Adam)")
    _inpaint_data_flags(ir)
    ir.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    _field_flags(
        ir,
        InpaintRetrainConfig,
        ["iterations", "lr", "batch_size", "eval_every", "seed", "checkpoint_every"],
        helps={
            "lr": "Adam learning rate (x0.1 at 2/5 and 4/5 of the run)",
            "eval_every": "evaluate every k iterations",
        },
        checks={"iterations": _POS_INT, "eval_every": _POS_INT},
    )
    _out_flags(ir, "runs/inpaint-retrain", resume=True)
    _runtime_flags(ir, InpaintRetrainConfig)

    e = command("evaluate", help="test error of a saved model")
    _data_flags(e)
    e.add_argument("--model", required=True, help="model.pt written by retrain")
    e.add_argument("--batch-size", type=_CHECKS["batch_size"], default=256, help="images per batch")

    m = command("summary", help="what the output folders of a run hold, and what the numbers mean")
    m.add_argument("folders", nargs="+", help="output folders of search / inpaint-search / retrain / ...")
    return ap


def _load_config(path: str) -> dict[str, Any]:
    p = Path(path)
    try:
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
    except OSError as e:
        raise SystemExit(f"asng-nas: error: {path}: cannot read the config ({e.strerror})") from None
    except ValueError as e:  # json.JSONDecodeError, tomllib.TOMLDecodeError
        raise SystemExit(f"asng-nas: error: {path}: not a valid config file ({e})") from None
    if not isinstance(cfg, dict):
        raise SystemExit(f"{path}: the config must be a table / object of flag values")
    return {k.replace("-", "_"): v for k, v in cfg.items()}


def _check_values(sub: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Run the checks of the numeric flags and ``--device`` on values that did not come through
    argparse's conversion (those of a ``--config`` file); a bad one is a usage error."""
    for action in sub._actions:
        check = action.type
        value = getattr(args, action.dest, None)
        if value is None or isinstance(value, str) or not (isinstance(check, Number) or check is device_flag):
            continue
        try:
            check(value)
        except argparse.ArgumentTypeError as e:
            sub.error(f"argument {'/'.join(action.option_strings)}: {e}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (and ``--config``); a bad flag or value exits with argparse's
    one-line usage error (status 2)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    sub = ap.commands[args.command]
    if getattr(args, "config", None):
        cfg = _load_config(args.config)
        bad = sorted(set(cfg) - sub.dests)
        if bad:
            raise SystemExit(f"{args.config}: unknown keys {bad}")
        sub.set_defaults(**cfg)
        args = ap.parse_args(argv)
        _check_values(sub, args)
    if getattr(args, "dataset", None) == "digits" and getattr(args, "data_dir", None):
        sub.error(
            f"argument --data-dir: the digits data set is embedded and reads no folder ({args.data_dir}); "
            "drop --data-dir, or choose --dataset cifar10 / fashion-mnist"
        )
    if getattr(args, "overwrite", False) and getattr(args, "resume", False):
        sub.error("argument --overwrite: not allowed with --resume (one continues the run in --out, one replaces it)")
    return args
