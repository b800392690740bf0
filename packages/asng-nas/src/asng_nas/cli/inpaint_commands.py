"""The inpainting sub-commands: ``asng-nas inpaint-search`` and ``inpaint-retrain``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .files import arch_file, naming_file
from .launch import BATCH_FLAG, configs, launch, lead_print, prepare_out, resume_and_run, resuming, say_on_lead

__all__ = ["inpaint_retrain_command", "inpaint_search_command", "iterations_line"]


def _faces(args: argparse.Namespace) -> tuple[Any, Any, str]:
    from ..inpainting.data import embedded_faces, load_celeba, split_celeba

    if args.data_dir:
        train, test = split_celeba(load_celeba(args.data_dir, args.image_size, args.limit))
        return train, test, f"CelebA ({args.data_dir})"
    x = embedded_faces(args.image_size)
    return x[:90], x[90:], "the 100 embedded LFW faces (90 train / 10 test)"


def inpaint_search_command(args: argparse.Namespace) -> int:
    from ..inpainting.task import build_inpainting_search
    from ..search.utils import check_halves_fit

    device, searcher_cls, rank, world = launch(args)
    say = say_on_lead(rank)
    train, test, name = _faces(args)
    lo, hi = args.channel_range  # checked by the parser (IntList)
    check_halves_fit(args.batch_size, len(train), BATCH_FLAG)  # before --out is touched
    searcher = build_inpainting_search(
        train,
        test,
        args.out,
        configs(args, world)["search_config"],
        encoding=args.encoding,
        mask=args.mask,
        n_nodes=args.nodes,
        level_back=args.level_back,
        channels=tuple(args.channels),
        channel_range=(lo, hi),
        batch_size=args.batch_size,
        iterations=args.iterations or None,
        device=device,
        searcher_cls=searcher_cls,
    )
    prepare_out(args)
    res, last = resume_and_run(
        searcher,
        args,
        say,
        f"inpainting search ({args.encoding}, {args.mask} mask) on {name}, device {searcher.device}: "
        + iterations_line(searcher),
    )
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


def iterations_line(searcher: Any) -> str:
    """How many iterations the search runs: ``"E epochs x I iterations"``, or with ``--iterations
    N`` ``"N iterations (E epochs of I)"``, naming the shorter last epoch if there is one."""
    cfg, ipe = searcher.cfg, searcher.iters_per_epoch
    if cfg.total_iterations is None:
        return f"{cfg.epochs} epochs x {ipe} iterations"
    last = searcher.iters_in(cfg.epochs - 1)
    shorter = f", the last of {last}" if last != ipe else ""
    return f"{cfg.total_iterations} iterations ({cfg.epochs} epochs of {ipe}{shorter})"


def inpaint_retrain_command(args: argparse.Namespace) -> int:
    from ..inpainting.export import load_cae_arch
    from ..inpainting.retrain import check_fits, retrain_inpainting

    train, test, name = _faces(args)
    cfg = configs(args)["retrain_config"]
    with naming_file(arch_file(args.arch), "the architecture.json written by asng-nas inpaint-search"):
        arch = load_cae_arch(arch_file(args.arch))
    check_fits(cfg, train, BATCH_FLAG)
    prepare_out(args)
    with resuming(args):
        res = retrain_inpainting(arch, train, test, args.out, cfg, args.device, args.resume)
    lead_print(
        f"retrained on {name}: {res['parameters']} parameters, test PSNR {res['test_psnr']:.2f} dB, "
        f"SSIM {res['test_ssim']:.4f} -> {Path(args.out) / 'model.pt'}"
    )
    return 0
