"""Argument parser of the command line ``asng-nas search | retrain | evaluate | inpaint-search | inpaint-retrain``.

Every flag can also come from a JSON or TOML file given with ``--config`` (keys are the flag
names, with dashes or underscores); flags given on the command line win.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["build_parser", "parse_args"]


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


def _train_flags(p: argparse.ArgumentParser, epochs: int, batch: int) -> None:
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=batch)
    p.add_argument("--lr", type=float, default=0.025)
    p.add_argument("--lr-min", type=float, default=0.0)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=3e-4)
    p.add_argument("--grad-clip", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--iters-per-epoch", type=int, default=None, help="cap on iterations per epoch (default: the whole data)"
    )
    p.add_argument("--eval-every", type=int, default=1, help="evaluate every k epochs (0: only at the end)")
    p.add_argument("--no-amp", dest="amp", action="store_false", help="no bf16 autocast on CUDA")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")


def _asng_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lam-x", type=int, default=None, help="architectures per weight step (default: the world size, at least 2)"
    )
    p.add_argument(
        "--lam-theta", type=int, default=None, help="architectures per theta step (default: the world size, at least 2)"
    )
    p.add_argument("--alpha", type=float, default=1.5)
    p.add_argument("--delta0", type=float, default=1.0, help="ASNG's initial trust-region radius delta_theta^0")


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


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="asng-nas", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    s = sub.add_parser("search", help="search cells with ASNG on a weight-sharing supernet")
    _data_flags(s)
    _train_flags(s, epochs=100, batch=64)
    s.add_argument("--out", default="runs/search", help="output folder")
    s.add_argument("--cells", type=int, default=8)
    s.add_argument("--channels", type=int, default=16)
    s.add_argument("--nodes", type=int, default=5)
    _asng_flags(s)
    s.add_argument("--schedule", default="epoch", choices=["epoch", "iteration"])
    s.add_argument("--cutout", type=int, default=0, help="cutout size during search (0: off)")
    s.add_argument("--max-test", type=int, default=None, help="evaluate on the first N test images only")

    r = sub.add_parser("retrain", help="train an exported architecture from scratch")
    _data_flags(r)
    _train_flags(r, epochs=600, batch=80)
    r.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    r.add_argument("--out", default="runs/retrain")
    r.add_argument("--cells", type=int, default=20)
    r.add_argument(
        "--channels", type=int, default=None, help="width C (default: the largest with <= --target-params parameters)"
    )
    r.add_argument("--target-params", type=float, default=4.0e6)
    r.add_argument("--drop-path", type=float, default=0.3)
    r.add_argument("--aux-weight", type=float, default=0.4)
    r.add_argument(
        "--cutout", type=int, default=None, help="cutout square side (default: half the image side, 16 on CIFAR-10)"
    )

    i = sub.add_parser("inpaint-search", help="search a convolutional autoencoder for inpainting (section 3.3)")
    _inpaint_data_flags(i)
    _train_flags(i, epochs=50, batch=16)
    _asng_flags(i)
    i.add_argument(
        "--iterations", type=int, default=50_000, help="search iterations (epochs of <= 1000; 0: use --epochs)"
    )
    i.add_argument("--encoding", default="cat", choices=["cat", "int"])
    i.add_argument("--nodes", type=int, default=20)
    i.add_argument("--level-back", type=int, default=5)
    i.add_argument("--channels", default="64,128,256", help="width choices of the cat encoding")
    i.add_argument("--channel-range", default="64,256", help="width range of the int encoding")
    i.add_argument("--out", default="runs/inpaint-search", help="output folder")

    ir = sub.add_parser("inpaint-retrain", help="retrain an exported inpainting architecture (Adam)")
    _inpaint_data_flags(ir)
    ir.add_argument("--arch", required=True, help="architecture.json (or the search folder)")
    ir.add_argument("--iterations", type=int, default=500_000)
    ir.add_argument("--lr", type=float, default=1e-3)
    ir.add_argument("--batch-size", type=int, default=16)
    ir.add_argument("--eval-every", type=int, default=10_000)
    ir.add_argument("--seed", type=int, default=0)
    ir.add_argument("--out", default="runs/inpaint-retrain")

    e = sub.add_parser("evaluate", help="test error of a saved model")
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
        action = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
        sub = action.choices[args.command]
        known = {a.dest for a in sub._actions}
        bad = sorted(set(cfg) - known)
        if bad:
            raise SystemExit(f"{args.config}: unknown keys {bad}")
        sub.set_defaults(**cfg)
        args = ap.parse_args(argv)
    return args
