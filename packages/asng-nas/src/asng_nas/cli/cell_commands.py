"""The classification sub-commands: ``asng-nas search``, ``retrain`` and ``evaluate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .launch import configs, launch, lead_print, prepare_out, resume_and_run, resuming, say_on_lead

__all__ = ["evaluate_command", "retrain_command", "search_command"]


def search_command(args: argparse.Namespace) -> int:
    from ..classification.augment import Augment
    from ..classification.data import load_dataset
    from ..classification.genotype import format_genotype
    from ..classification.task import build_search

    device, searcher_cls, rank, world = launch(args)
    say = say_on_lead(rank)
    data = load_dataset(args.dataset, args.data_dir)
    cfg = configs(args, world)["search_config"]
    prepare_out(args)
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
    from ..classification.retrain import retrain

    data = load_dataset(args.dataset, args.data_dir)
    cfg = configs(args)["retrain_config"]
    genotype = load_genotype(args.arch)
    prepare_out(args)
    with resuming(args):
        summary = retrain(genotype, data, args.out, cfg, args.device, args.resume)
    lead_print(
        f"retrained {summary['n_cells']} cells, C = {summary['channels']}, "
        f"{summary['n_params']} parameters: test error {100 * summary['test_error']:.2f} % "
        f"-> {Path(args.out) / 'model.pt'}"
    )
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from ..classification.data import load_dataset
    from ..classification.retrain import evaluate_model
    from ..search.checkpoint import read_checkpoint

    data = load_dataset(args.dataset, args.data_dir)
    # read safely first (weights_only): a damaged or foreign file is one line naming it
    read_checkpoint(args.model, "asng-nas-model-v1", "give the model.pt written by asng-nas retrain")
    res = evaluate_model(args.model, data, args.device, args.batch_size)
    print(json.dumps(res))
    return 0
