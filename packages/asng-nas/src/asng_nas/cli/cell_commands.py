"""The classification sub-commands: ``asng-nas search``, ``retrain`` and ``evaluate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .files import arch_file, naming_file
from .launch import BATCH_FLAG, configs, launch, lead_print, prepare_out, resume_and_run, resuming, say_on_lead

__all__ = ["evaluate_command", "retrain_command", "search_command"]


def search_command(args: argparse.Namespace) -> int:
    from ..classification.augment import Augment
    from ..classification.data import load_dataset
    from ..classification.genotype import format_genotype
    from ..classification.task import build_search
    from ..search.utils import check_halves_fit

    device, searcher_cls, rank, world = launch(args)
    say = say_on_lead(rank)
    data = load_dataset(args.dataset, args.data_dir)
    check_halves_fit(args.batch_size, len(data.x_train), BATCH_FLAG)  # before --out is touched
    cfg = configs(args, world)["search_config"]
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
    prepare_out(args)
    res, last = resume_and_run(
        searcher,
        args,
        say,
        f"search on {data.name} ({len(data.x_train)} training images, device "
        f"{searcher.device}): {cfg.epochs} epochs x {searcher.iters_per_epoch} iterations",
    )
    say(format_genotype(res.architecture))
    acc = last.get("test_accuracy")
    say(
        f"most likely architecture: test accuracy {acc if acc is None else round(acc, 4)}, "
        f"mean max theta {last.get('mean_max_theta', float('nan')):.3f}, "
        f"search {searcher.search_seconds:.1f} s -> {Path(args.out) / 'architecture.json'}"
    )
    return 0


def retrain_command(args: argparse.Namespace) -> int:
    from ..classification.data import load_dataset
    from ..classification.export import load_genotype
    from ..classification.retrain import check_fits, retrain

    data = load_dataset(args.dataset, args.data_dir)
    cfg = configs(args)["retrain_config"]
    with naming_file(arch_file(args.arch), "the architecture.json written by asng-nas search"):
        genotype = load_genotype(arch_file(args.arch))
    check_fits(cfg, data, BATCH_FLAG)
    prepare_out(args)
    with resuming(args):
        summary = retrain(genotype, data, args.out, cfg, args.device, args.resume)
    lead_print(
        f"retrained {summary['n_cells']} cells, C = {summary['channels']}, "
        f"{summary['n_params']} parameters: test error {100 * summary['test_error']:.2f} % "
        f"-> {Path(args.out) / 'model.pt'}"
    )
    return 0


def _is_inpainting_model(path: str) -> bool:
    """Whether ``path`` holds the model of ``asng-nas inpaint-retrain`` (a dict with an ``architecture``)."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file: not one, and read_checkpoint said why
        return False
    return isinstance(state, dict) and isinstance(state.get("architecture"), dict)


def _read_model(path: str) -> dict[str, Any]:
    """The dict in the ``model.pt`` of ``asng-nas retrain``, read safely (weights_only); one line
    naming the file for a damaged or foreign one, and for the model of ``inpaint-retrain``."""
    from ..search.checkpoint import CheckpointError, read_checkpoint

    fix = "give the model.pt written by asng-nas retrain"
    try:
        return read_checkpoint(path, "asng-nas-model-v1", fix)
    except CheckpointError:
        if _is_inpainting_model(path):
            raise CheckpointError(
                f"{path} is an inpainting model (asng-nas inpaint-retrain); asng-nas evaluate scores the "
                f"classification models of asng-nas retrain (inpaint-retrain reports its test PSNR / SSIM in "
                f"{Path(path).parent / 'metrics.json'})"
            ) from None
        raise


def evaluate_command(args: argparse.Namespace) -> int:
    from ..classification.data import load_dataset
    from ..classification.retrain import evaluate_model

    with naming_file(args.model, "the model.pt written by asng-nas retrain"):
        state = _read_model(args.model)
    trained_on = (state.get("info") or {}).get("dataset")
    if trained_on is not None and trained_on != args.dataset:
        raise ValueError(
            f"{args.model} was trained on {trained_on}, not on --dataset {args.dataset}: "
            f"evaluate it with --dataset {trained_on}"
        )
    data = load_dataset(args.dataset, args.data_dir)
    res = evaluate_model(args.model, data, args.device, args.batch_size)
    print(json.dumps(res))
    return 0
