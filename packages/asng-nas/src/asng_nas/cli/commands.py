"""The sub-commands of the command line: each builds its search / retraining from the parsed
flags (see :mod:`.parser`), runs it and prints a summary; :func:`main` dispatches.

:func:`main` turns what a user can get wrong into one line on stderr and exit status 2 (a
missing or damaged data file or checkpoint, an ``--out`` folder holding a previous run, a
missing optional package), and Ctrl-C into one line saying what is saved and how to resume
(exit status 130); anything else is a bug and keeps its traceback."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .outdir import OUTPUTS, checkpoint_name, prepare_out_dir
from .parser import config_from_args, parse_args

__all__ = ["main"]


def _launch(args: argparse.Namespace) -> tuple[Any, Any, int, int]:
    """Device, searcher class, rank and world size: one process, or torchrun's process group."""
    from ..search.distributed import DistributedSearcher, init_distributed, world_info
    from ..search.searcher import Searcher

    rank, world, _ = world_info()
    if world > 1:
        device = init_distributed(None if args.device == "auto" else ("gloo" if args.device == "cpu" else None))
        return device, DistributedSearcher, rank, world
    return args.device, Searcher, rank, world


def _configs(args: argparse.Namespace, world_size: int = 1) -> dict[str, Any]:
    """The config dataclasses the command ``args.command`` runs with, built from its flags
    (``world_size``: the processes of a search, which set the default lambdas)."""
    if args.command in ("search", "inpaint-search"):
        from ..search.config import SearchConfig

        schedule = {"schedule": "iteration"} if args.command == "inpaint-search" else {}
        return {"search_config": config_from_args(SearchConfig, args, world_size=world_size, **schedule)}
    if args.command == "retrain":
        from ..classification.retrain import CellRetrainConfig

        return {"retrain_config": config_from_args(CellRetrainConfig, args)}
    if args.command == "inpaint-retrain":
        from ..inpainting.task import InpaintRetrainConfig

        return {"retrain_config": config_from_args(InpaintRetrainConfig, args)}
    return {}


def _prepare_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` folder holding a previous run (see :mod:`.outdir`); called by each
    command once its inputs are read (so a wrong data folder is reported first) and before it
    writes anything."""
    prepare_out_dir(args.command, args.out, resume=args.resume, overwrite=args.overwrite)


def _say(rank: int) -> Any:
    """``print`` on rank 0, a no-op elsewhere."""
    return print if rank == 0 else (lambda *a, **k: None)


def _resume_and_run(searcher: Any, args: argparse.Namespace, say: Any, header: str) -> tuple[Any, dict[str, Any]]:
    """``--resume`` if asked, print ``header``, run the search; returns the result and its last record."""
    if args.resume:
        if searcher.resume():
            say(f"resumed from {searcher.checkpoint_path} after epoch {searcher.epoch}")
        else:
            say(f"no checkpoint in {args.out}; starting a new search")
    say(header)
    res = searcher.run()
    return res, (res.history[-1] if res.history else {})


def _search(args: argparse.Namespace) -> int:
    from ..classification.augment import Augment
    from ..classification.data import load_dataset
    from ..classification.genotype import format_genotype
    from ..classification.task import build_search

    device, searcher_cls, rank, world = _launch(args)
    say = _say(rank)
    data = load_dataset(args.dataset, args.data_dir)
    cfg = _configs(args, world)["search_config"]
    _prepare_out(args)
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
    res, last = _resume_and_run(
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


@contextlib.contextmanager
def _resuming(args: argparse.Namespace) -> Iterator[None]:
    """Around a retraining: with ``--resume``, its checkpoint is read first (one-line error for an
    empty, truncated or foreign file), and a checkpoint of another network (other ``--cells`` /
    ``--channels`` / architecture) is one line naming it instead of torch's list of keys."""
    from ..search.checkpoint import CheckpointError, read_checkpoint

    ckpt = Path(args.out) / "retrain_checkpoint.pt"
    fix = "resume with the flags of the retraining that wrote it, or start anew with --overwrite"
    if args.resume and ckpt.is_file():
        read_checkpoint(ckpt, None, fix)
    try:
        yield
    except RuntimeError as e:
        if args.resume and str(e).startswith("Error(s) in loading state_dict"):
            raise CheckpointError(f"{ckpt}: it was written for another network (weights differ); {fix}") from None
        raise


def _lead_print(line: str) -> None:
    """Print on the lead process only (rank 0 under torchrun: every rank runs the command)."""
    if int(os.environ.get("RANK", "0")) == 0:
        print(line)


def _retrain(args: argparse.Namespace) -> int:
    from ..classification.data import load_dataset
    from ..classification.export import load_genotype
    from ..classification.retrain import retrain

    data = load_dataset(args.dataset, args.data_dir)
    cfg = _configs(args)["retrain_config"]
    genotype = load_genotype(args.arch)
    _prepare_out(args)
    with _resuming(args):
        summary = retrain(genotype, data, args.out, cfg, args.device, args.resume)
    _lead_print(
        f"retrained {summary['n_cells']} cells, C = {summary['channels']}, "
        f"{summary['n_params']} parameters: test error {100 * summary['test_error']:.2f} % "
        f"-> {Path(args.out) / 'model.pt'}"
    )
    return 0


def _faces(args: argparse.Namespace) -> tuple[Any, Any, str]:
    from ..inpainting.data import embedded_faces, load_celeba, split_celeba

    if args.data_dir:
        train, test = split_celeba(load_celeba(args.data_dir, args.image_size, args.limit))
        return train, test, f"CelebA ({args.data_dir})"
    x = embedded_faces(args.image_size)
    return x[:90], x[90:], "the 100 embedded LFW faces (90 train / 10 test)"


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in str(text).split(","))


def _inpaint_search(args: argparse.Namespace) -> int:
    from ..inpainting.task import build_inpainting_search

    device, searcher_cls, rank, world = _launch(args)
    say = _say(rank)
    train, test, name = _faces(args)
    lo, hi = _ints(args.channel_range)
    _prepare_out(args)
    searcher = build_inpainting_search(
        train,
        test,
        args.out,
        _configs(args, world)["search_config"],
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
    res, last = _resume_and_run(
        searcher,
        args,
        say,
        f"inpainting search ({args.encoding}, {args.mask} mask) on {name}, device {searcher.device}: "
        f"{searcher.cfg.epochs} epochs x {searcher.iters_per_epoch} iterations",
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


def _inpaint_retrain(args: argparse.Namespace) -> int:
    from ..inpainting.task import load_cae_arch, retrain_inpainting

    train, test, name = _faces(args)
    cfg = _configs(args)["retrain_config"]
    arch = load_cae_arch(args.arch)
    _prepare_out(args)
    with _resuming(args):
        res = retrain_inpainting(arch, train, test, args.out, cfg, args.device, args.resume)
    _lead_print(
        f"retrained on {name}: {res['parameters']} parameters, test PSNR {res['test_psnr']:.2f} dB, "
        f"SSIM {res['test_ssim']:.4f} -> {Path(args.out) / 'model.pt'}"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from ..classification.data import load_dataset
    from ..classification.retrain import evaluate_model
    from ..search.checkpoint import read_checkpoint

    data = load_dataset(args.dataset, args.data_dir)
    # read safely first (weights_only): a damaged or foreign file is one line naming it
    read_checkpoint(args.model, "asng-nas-model-v1", "give the model.pt written by asng-nas retrain")
    res = evaluate_model(args.model, data, args.device, args.batch_size)
    print(json.dumps(res))
    return 0


def _end_distributed(completed: bool) -> None:
    """Tear down the process group :func:`_launch` joined under torchrun (a no-op otherwise):
    after a barrier when the command completed on this rank, without one when it failed (the
    other ranks may never get there). Without it the group outlived ``main`` and its gloo
    threads ran into interpreter shutdown (see :mod:`asng_nas.search.distributed`)."""
    distributed = sys.modules.get("asng_nas.search.distributed")  # imported by _launch if it ran
    if distributed is not None:
        distributed.shutdown_distributed(barrier=completed)


def _summary(args: argparse.Namespace) -> int:
    from .summary import summarize

    print(summarize(args.folders))
    return 0


class _Interrupted:
    """What ``main`` says after Ctrl-C: what is saved in ``--out`` and the command that resumes."""

    @staticmethod
    def message(args: argparse.Namespace, argv: Sequence[str]) -> str:
        out = getattr(args, "out", None)
        if args.command not in OUTPUTS or out is None:
            return "asng-nas: interrupted"
        ckpt = Path(out) / checkpoint_name(args.command)
        if not ckpt.is_file():
            return f"asng-nas: interrupted before the first checkpoint; nothing to resume in {out}"
        words = [w for w in argv if w != "--overwrite"]
        again = shlex.join(["asng-nas", *words, *([] if "--resume" in words else ["--resume"])])
        saved = "the last checkpoint" if args.command == "inpaint-retrain" else "the last completed epoch"
        return f"asng-nas: interrupted; {saved} is saved in {ckpt}: continue with: {again}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``asng-nas`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    completed = False
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return_code = _dispatch(args, argv)
            completed = return_code == 0
            return return_code
        finally:
            _end_distributed(completed)


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    """Warnings of a command as one line on stderr (no source line)."""
    first = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
    if "matplotlib" in first and "pip install" not in first:
        first += ' (pip install "asng-nas[plot]" draws it)'
    print(f"asng-nas: warning: {first}", file=sys.stderr)


def _dispatch(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the sub-command; the errors a user can cause become one line and status 2."""
    try:
        commands = {
            "search": _search,
            "retrain": _retrain,
            "evaluate": _evaluate,
            "inpaint-search": _inpaint_search,
            "inpaint-retrain": _inpaint_retrain,
            "summary": _summary,
        }
        return commands[args.command](args)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
        print(f"\n{_Interrupted.message(args, argv)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `asng-nas summary runs/x | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (FileNotFoundError, ValueError, ImportError) as e:
        print(f"asng-nas: error: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(e: BaseException) -> str:
    """The first line of an exception's message (ImportError: with the extra to install)."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, ImportError) and e.name and "pip install" not in text:
        extra = {"matplotlib": "plot", "skimage": "inpainting", "PIL": "inpainting"}.get(e.name.split(".")[0])
        if extra:
            text += f' (install it with: pip install "asng-nas[{extra}]")'
    return text


if __name__ == "__main__":
    sys.exit(main())
