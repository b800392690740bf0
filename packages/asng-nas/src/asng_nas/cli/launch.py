"""What the sub-commands share: the process set-up under torchrun (:func:`launch`), the config
dataclasses built from the flags (:func:`configs`), the ``--out`` check, ``--resume``, and
printing on the lead process only."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..search.distributed import is_lead
from ..search.outdir import new_folders, remove_if_empty
from .outdir import prepare_out_dir
from .parser import config_from_args
from .runflags import check_run_flags, run_flags_name, write_run_flags

__all__ = [
    "BATCH_FLAG",
    "configs",
    "is_lead",
    "launch",
    "lead_print",
    "new_folders",
    "prepare_out",
    "remove_if_empty",
    "resume_and_run",
    "resuming",
    "say_on_lead",
]

#: how the library's batch-size checks name the argument on the command line
#: (:func:`asng_nas.search.utils.check_batch_fits`; from Python they say ``batch_size=``)
BATCH_FLAG = "--batch-size"


def launch(args: argparse.Namespace) -> tuple[Any, Any, int, int]:
    """Device, searcher class, rank and world size: one process, or torchrun's process group."""
    from ..search.distributed import DistributedSearcher, init_distributed, world_info
    from ..search.searcher import Searcher

    rank, world, _ = world_info()
    if world > 1:
        device = init_distributed(None if args.device == "auto" else ("gloo" if args.device == "cpu" else None))
        return device, DistributedSearcher, rank, world
    return args.device, Searcher, rank, world


def configs(args: argparse.Namespace, world_size: int = 1) -> dict[str, Any]:
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
        from ..inpainting.retrain import InpaintRetrainConfig

        return {"retrain_config": config_from_args(InpaintRetrainConfig, args)}
    return {}


def prepare_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` folder holding a previous run (see :mod:`.outdir`), then create it;
    called by each command once its inputs are read (so a wrong data folder is reported first)
    and before it prints or writes anything.

    With ``--resume`` and a checkpoint there, the flags must be those the run started with
    (:func:`.runflags.check_run_flags`); a run that starts records its flags
    (:func:`.runflags.write_run_flags`).

    Raises ``OSError`` with one line naming the folder when it cannot be created or written
    (e.g. ``--out /proc/x``), :class:`.runflags.RunFlagsError` for a resume with other flags
    (before anything changes); :func:`.commands.main` removes the folder again if the command
    fails before writing into it, and the flags' record if it fails before its first checkpoint."""
    check_run_flags(args)
    skip = () if is_lead() else (run_flags_name(args.command),)  # rank 0 writes it, maybe before another rank checks
    prepare_out_dir(args.command, args.out, resume=args.resume, overwrite=args.overwrite, skip=skip)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".asng-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as e:
        raise OSError(f"--out {out}: cannot write there ({e.strerror or type(e).__name__})") from None
    write_run_flags(args)


def say_on_lead(rank: int) -> Any:
    """``print`` on rank 0, a no-op elsewhere."""
    return print if rank == 0 else (lambda *a, **k: None)


def resume_and_run(searcher: Any, args: argparse.Namespace, say: Any, header: str) -> tuple[Any, dict[str, Any]]:
    """``--resume`` if asked, print ``header``, run the search; returns the result and its last record."""
    if args.resume:
        if searcher.resume():
            say(f"resumed from {searcher.checkpoint_path} after epoch {searcher.epoch}")
        else:
            say(f"no checkpoint in {args.out}; starting a new search")
    say(header)
    res = searcher.run()
    return res, (res.history[-1] if res.history else {})


@contextlib.contextmanager
def resuming(args: argparse.Namespace) -> Iterator[None]:
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


def lead_print(line: str) -> None:
    """Print on the lead process only (rank 0 under torchrun: every rank runs the command)."""
    if is_lead():
        print(line)
