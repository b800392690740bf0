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
from collections.abc import Sequence
from typing import Any, NoReturn

from .argtypes import CHECKS, MIN_IMAGE_SIZE, POS_INT, IntList, Number, device_flag
from .config_file import ConfigError, check_values, load_config
from .fields import config_from_args, field_flags
from .helptext import DESCRIPTIONS, ROOT_DESCRIPTION, HelpFormatter

__all__ = ["Number", "build_parser", "config_from_args", "parse_args", "device_flag"]


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
    p.add_argument("--threads", type=CHECKS["threads"], default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--config", default=None, help="JSON or TOML file of flag values")


def _out_flags(p: argparse.ArgumentParser, default: str, resume: bool) -> None:
    """``--out`` and ``--overwrite`` (and ``--resume``) of a command that writes into a folder."""
    p.add_argument("--out", default=default, help="output folder")
    if resume:
        p.add_argument(
            "--resume",
            action="store_true",
            help="continue from the checkpoint in --out, with the flags that run started with (others are refused)",
        )
    p.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of a previous run in --out (refused without)"
    )


def _runtime_flags(p: argparse.ArgumentParser, cls: type) -> None:
    """``--compile`` and ``--tensorboard`` of the retrainings."""
    from ..search.training import COMPILE_CHOICES

    field_flags(
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
    field_flags(p, cls, ["epochs"], defaults={"epochs": epochs})
    p.add_argument("--batch-size", type=CHECKS["batch_size"], default=batch, help="images per batch")
    field_flags(p, cls, _TRAIN_FIELDS)


def _asng_flags(p: argparse.ArgumentParser, cls: type) -> None:
    field_flags(
        p,
        cls,
        ["lam_x", "lam_theta", "alpha", "delta0"],
        defaults={"lam_x": None, "lam_theta": None},  # None: the config's rule (the world size, at least 2)
    )


def _inpaint_data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", default=None, help="CelebA folder (img_align_celeba/ ...); default: the 100 embedded LFW faces"
    )
    p.add_argument(
        "--image-size",
        type=CHECKS["image_size"],
        default=64,
        help=f"side of the square images (>= {MIN_IMAGE_SIZE}: SSIM's {MIN_IMAGE_SIZE}x{MIN_IMAGE_SIZE} window)",
    )
    p.add_argument(
        "--limit", type=CHECKS["limit"], default=None, help="use the first N CelebA images only (needs --data-dir)"
    )
    p.add_argument("--mask", default="center", choices=["center", "pixel", "half"], help="the corruption")
    _run_flags(p)


def build_parser() -> _Parser:
    from ..classification.retrain import CellRetrainConfig
    from ..inpainting.retrain import InpaintRetrainConfig
    from ..search.config import SearchConfig

    ap = _Parser(prog="asng-nas", description=ROOT_DESCRIPTION, formatter_class=HelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> _Parser:
        desc = f"{help[0].upper()}{help[1:]}.\n\n{DESCRIPTIONS[name]}" if name in DESCRIPTIONS else None
        p: _Parser = sub.add_parser(name, help=help, description=desc, formatter_class=HelpFormatter)
        ap.commands[name] = p
        return p

    s = command("search", help="search cells with ASNG on a weight-sharing supernet")
    _data_flags(s)
    _train_flags(s, SearchConfig, epochs=100, batch=64)
    _out_flags(s, "runs/search", resume=True)
    s.add_argument("--cells", type=CHECKS["cells"], default=8, help="cells of the supernet")
    s.add_argument("--channels", type=CHECKS["channels"], default=16, help="channels C of the first cells")
    s.add_argument("--nodes", type=CHECKS["nodes"], default=5, help="nodes per cell")
    _asng_flags(s, SearchConfig)
    field_flags(s, SearchConfig, ["schedule"], choices={"schedule": ["epoch", "iteration"]})
    s.add_argument("--cutout", type=CHECKS["cutout"], default=0, help="cutout size during search (0: off)")
    s.add_argument("--max-test", type=CHECKS["max_test"], default=None, help="evaluate on the first N test images only")

    r = command("retrain", help="train an exported architecture from scratch")
    _data_flags(r)
    _train_flags(r, CellRetrainConfig, epochs=600, batch=80)
    r.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    _out_flags(r, "runs/retrain", resume=True)
    _runtime_flags(r, CellRetrainConfig)
    field_flags(
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
        type=CHECKS["iterations"],
        default=50_000,
        help="search iterations, exactly: epochs of min(1000, batches per half) iterations, the last one shorter "
        "if they do not divide it (0: use --epochs)",
    )
    i.add_argument("--encoding", default="cat", choices=["cat", "int"], help="categorical or integer widths")
    i.add_argument("--nodes", type=CHECKS["nodes"], default=20, help="candidate nodes")
    i.add_argument("--level-back", type=CHECKS["level_back"], default=5, help="how far back a node may read")
    i.add_argument(
        "--channels",
        type=IntList(distinct=True),
        default="64,128,256",  # a string: argparse converts it with the type
        help="width choices of the cat encoding: distinct positive integers, e.g. 64,128,256",
    )
    i.add_argument(
        "--channel-range",
        type=IntList(pair=True),
        default="64,256",
        help="width range of the int encoding: LOW,HIGH, positive, LOW <= HIGH",
    )
    _out_flags(i, "runs/inpaint-search", resume=True)

    ir = command("inpaint-retrain", help="retrain an exported inpainting architecture (Adam)")
    _inpaint_data_flags(ir)
    ir.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    field_flags(
        ir,
        InpaintRetrainConfig,
        ["iterations", "lr", "batch_size", "eval_every", "seed", "checkpoint_every"],
        helps={
            "lr": "Adam learning rate (x0.1 at 2/5 and 4/5 of the run)",
            "eval_every": "evaluate every k iterations",
        },
        checks={"iterations": POS_INT, "eval_every": POS_INT},
    )
    _out_flags(ir, "runs/inpaint-retrain", resume=True)
    _runtime_flags(ir, InpaintRetrainConfig)

    e = command("evaluate", help="test error of a saved model")
    _data_flags(e)
    e.add_argument("--model", required=True, help="model.pt written by retrain")
    e.add_argument("--batch-size", type=CHECKS["batch_size"], default=256, help="images per batch")

    m = command("summary", help="what the output folders of a run hold, and what the numbers mean")
    m.add_argument("folders", nargs="+", help="output folders of search / inpaint-search / retrain / ...")
    return ap


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (and ``--config``); a bad flag or value exits with argparse's
    one-line usage error (status 2)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    sub = ap.commands[args.command]
    defaults = {dest: sub.get_default(dest) for dest in sub.dests}  # before a --config file sets them
    if getattr(args, "config", None):
        try:
            cfg = load_config(args.config)
        except ConfigError as e:
            sub.error(f"argument --config: {e}")
        bad = sorted(set(cfg) - sub.dests)
        if bad:
            sub.error(f"argument --config: {args.config}: unknown keys {bad} (not flags of {sub.prog})")
        sub.set_defaults(**cfg)
        args = ap.parse_args(argv)
        check_values(sub, args)
    _check_together(sub, args, defaults)
    return args


def _check_together(sub: _Parser, args: argparse.Namespace, defaults: dict[str, Any]) -> None:
    """The checks of flags against each other (and of ``--out``'s text), from the command line
    or a config file alike (``defaults``: the parser's own); a failed one exits with a one-line
    usage error (status 2)."""
    if getattr(args, "out", None) is not None and not str(args.out).strip():
        sub.error(
            f"argument --out: {args.out!r} names no folder (it would write into the current one); "
            f"give a folder, e.g. --out {sub.get_default('out')}"
        )
    lr, lr_min = getattr(args, "lr", None), getattr(args, "lr_min", None)
    if lr is not None and lr_min is not None and lr_min > lr:
        sub.error(
            f"argument --lr-min: {lr_min} is above --lr {lr} (the cosine schedule anneals from --lr down to "
            "--lr-min); lower --lr-min or raise --lr"
        )
    if getattr(args, "dataset", None) == "digits" and getattr(args, "data_dir", None):
        sub.error(
            f"argument --data-dir: the digits data set is embedded and reads no folder ({args.data_dir}); "
            "drop --data-dir, or choose --dataset cifar10 / fashion-mnist"
        )
    if args.command.startswith("inpaint-") and args.limit is not None and not args.data_dir:
        sub.error(
            f"argument --limit: the 100 embedded faces are always used whole ({args.limit}); "
            "--limit applies to a CelebA --data-dir only"
        )
    if args.command == "inpaint-search" and args.iterations:
        ignored = [
            f"--{d.replace('_', '-')} {getattr(args, d)}"
            for d in ("epochs", "iters_per_epoch")
            if getattr(args, d) != defaults[d]
        ]
        if ignored:
            sub.error(
                f"argument --iterations: {args.iterations} sets the epochs and their length itself, so "
                f"{' and '.join(ignored)} would be ignored; drop them, or give --iterations 0 to use them"
            )
    if getattr(args, "overwrite", False) and getattr(args, "resume", False):
        sub.error("argument --overwrite: not allowed with --resume (one continues the run in --out, one replaces it)")
