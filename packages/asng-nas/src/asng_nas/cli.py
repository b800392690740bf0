"""Command line: ``asng-nas search | retrain | evaluate``.

Every flag can also come from a JSON or TOML file given with ``--config`` (keys are the flag
names, with dashes or underscores); flags given on the command line win.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser"]


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


def _launch(args: argparse.Namespace) -> tuple[Any, Any, int]:
    """Device, searcher class and rank: one process, or torchrun's process group."""
    from .distributed import DistributedSearcher, init_distributed, world_info
    from .search import Searcher

    rank, world, _ = world_info()
    for flag in ("lam_x", "lam_theta"):
        if getattr(args, flag) is None:
            setattr(args, flag, max(2, world))
    if world > 1:
        device = init_distributed(None if args.device == "auto" else ("gloo" if args.device == "cpu" else None))
        return device, DistributedSearcher, rank
    return args.device, Searcher, rank


def _search_config(args: argparse.Namespace, schedule: str) -> Any:
    from .search import SearchConfig

    return SearchConfig(
        epochs=args.epochs,
        lr=args.lr,
        lr_min=args.lr_min,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        grad_clip=args.grad_clip,
        lam_x=args.lam_x,
        lam_theta=args.lam_theta,
        alpha=args.alpha,
        delta0=args.delta0,
        seed=args.seed,
        schedule=schedule,
        iters_per_epoch=args.iters_per_epoch,
        eval_every=args.eval_every,
        amp=args.amp,
        channels_last=args.channels_last,
        progress=args.progress,
    )


def _resume(searcher: Any, args: argparse.Namespace, say: Any) -> None:
    if args.resume:
        if searcher.resume():
            say(f"resumed from {searcher.checkpoint_path} after epoch {searcher.epoch}")
        else:
            say(f"no checkpoint in {args.out}; starting a new search")


def _search(args: argparse.Namespace) -> int:
    from .augment import Augment
    from .data import load_dataset
    from .genotype import format_genotype
    from .tasks import build_search

    device, searcher_cls, rank = _launch(args)
    say = print if rank == 0 else (lambda *a, **k: None)
    data = load_dataset(args.dataset, args.data_dir)
    cfg = _search_config(args, args.schedule)
    aug = Augment(data.augment.pad, data.augment.flip, args.cutout)
    searcher = build_search(
        data,
        args.out,
        cfg,
        n_cells=args.cells,
        channels=args.channels,
        n_nodes=args.nodes,
        batch_size=args.batch_size,
        augment=aug,
        device=device,
        max_test=args.max_test,
        searcher_cls=searcher_cls,
    )
    _resume(searcher, args, say)
    say(
        f"search on {data.name} ({len(data.x_train)} training images, device "
        f"{searcher.device}): {cfg.epochs} epochs x {searcher.iters_per_epoch} iterations"
    )
    res = searcher.run()
    last = res.history[-1] if res.history else {}
    say(format_genotype(res.architecture))
    acc = last.get("test_accuracy")
    say(
        f"most likely architecture: test accuracy {acc if acc is None else round(acc, 4)}, "
        f"mean max theta {last.get('mean_max_theta', float('nan')):.3f}, "
        f"search {searcher.search_seconds:.1f} s -> {Path(args.out) / 'architecture.json'}"
    )
    return 0


def _retrain(args: argparse.Namespace) -> int:
    from .data import load_dataset
    from .export import load_genotype
    from .retrain import RetrainConfig, retrain

    data = load_dataset(args.dataset, args.data_dir)
    cfg = RetrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        lr_min=args.lr_min,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        grad_clip=args.grad_clip,
        drop_path=args.drop_path,
        aux_weight=args.aux_weight,
        cutout=args.cutout,
        n_cells=args.cells,
        channels=args.channels,
        target_params=args.target_params,
        seed=args.seed,
        iters_per_epoch=args.iters_per_epoch,
        eval_every=args.eval_every,
        amp=args.amp,
        channels_last=args.channels_last,
        progress=args.progress,
    )
    summary = retrain(load_genotype(args.arch), data, args.out, cfg, args.device, args.resume)
    print(
        f"retrained {summary['n_cells']} cells, C = {summary['channels']}, "
        f"{summary['n_params']} parameters: test error {100 * summary['test_error']:.2f} % "
        f"-> {Path(args.out) / 'model.pt'}"
    )
    return 0


def _faces(args: argparse.Namespace) -> tuple[Any, Any, str]:
    from .inpainting.data import embedded_faces, load_celeba, split_celeba

    if args.data_dir:
        train, test = split_celeba(load_celeba(args.data_dir, args.image_size, args.limit))
        return train, test, f"CelebA ({args.data_dir})"
    x = embedded_faces(args.image_size)
    return x[:90], x[90:], "the 100 embedded LFW faces (90 train / 10 test)"


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in str(text).split(","))


def _inpaint_search(args: argparse.Namespace) -> int:
    from .inpainting.task import build_inpainting_search

    device, searcher_cls, rank = _launch(args)
    say = print if rank == 0 else (lambda *a, **k: None)
    train, test, name = _faces(args)
    lo, hi = _ints(args.channel_range)
    searcher = build_inpainting_search(
        train,
        test,
        args.out,
        _search_config(args, "iteration"),
        encoding=args.encoding,
        mask=args.mask,
        n_nodes=args.nodes,
        level_back=args.level_back,
        channels=_ints(args.channels),
        channel_range=(lo, hi),
        batch_size=args.batch_size,
        iterations=args.iterations or None,
        device=device,
        searcher_cls=searcher_cls,
    )
    _resume(searcher, args, say)
    say(
        f"inpainting search ({args.encoding}, {args.mask} mask) on {name}, device {searcher.device}: "
        f"{searcher.cfg.epochs} epochs x {searcher.iters_per_epoch} iterations"
    )
    res = searcher.run()
    last = res.history[-1] if res.history else {}
    say(
        f"active path {res.architecture.active()}: "
        + ", ".join(
            f"node {i} k{n.kernel} {'skip' if n.skip else 'down'} {n.channels}ch"
            for i in res.architecture.active()
            for n in [res.architecture.nodes[i - 1]]
        )
    )
    say(
        f"most likely architecture: test PSNR {last.get('test_psnr', float('nan')):.2f} dB, "
        f"SSIM {last.get('test_ssim', float('nan')):.4f}, search {searcher.search_seconds:.1f} s "
        f"-> {Path(args.out) / 'architecture.json'}"
    )
    return 0


def _inpaint_retrain(args: argparse.Namespace) -> int:
    from .inpainting.task import RetrainConfig, load_cae_arch, retrain_inpainting

    train, test, name = _faces(args)
    cfg = RetrainConfig(
        iterations=args.iterations,
        lr=args.lr,
        batch_size=args.batch_size,
        mask=args.mask,
        seed=args.seed,
        eval_every=args.eval_every,
    )
    res = retrain_inpainting(load_cae_arch(args.arch), train, test, args.out, cfg, args.device)
    print(
        f"retrained on {name}: {res['parameters']} parameters, test PSNR {res['test_psnr']:.2f} dB, "
        f"SSIM {res['test_ssim']:.4f} -> {Path(args.out) / 'model.pt'}"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data import load_dataset
    from .retrain import evaluate_model

    data = load_dataset(args.dataset, args.data_dir)
    res = evaluate_model(args.model, data, args.device, args.batch_size)
    print(json.dumps(res))
    return 0


def _end_distributed(completed: bool) -> None:
    """Tear down the process group :func:`_launch` joined under torchrun (a no-op otherwise):
    after a barrier when the command completed on this rank, without one when it failed (the
    other ranks may never get there). Without it the group outlived ``main`` and its gloo
    threads ran into interpreter shutdown (see :mod:`asng_nas.distributed`)."""
    distributed = sys.modules.get(f"{__package__}.distributed")  # imported by _launch if it ran
    if distributed is not None:
        distributed.shutdown_distributed(barrier=completed)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    completed = False
    try:
        commands = {
            "search": _search,
            "retrain": _retrain,
            "evaluate": _evaluate,
            "inpaint-search": _inpaint_search,
            "inpaint-retrain": _inpaint_retrain,
        }
        rc = commands[args.command](args)
        completed = rc == 0
        return rc
    except (FileNotFoundError, ValueError) as e:
        print(f"asng-nas: error: {e}", file=sys.stderr)
        return 2
    finally:
        _end_distributed(completed)


if __name__ == "__main__":
    sys.exit(main())
