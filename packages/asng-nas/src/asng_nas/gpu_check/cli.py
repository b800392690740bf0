"""``python -m asng_nas.gpu_check``: the flags, the run, ``gpu_check.json`` and ``gpu_check.md``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from .report import to_markdown
from .run import check_device, run_check

__all__ = ["main"]

DESCRIPTION = "GPU readiness check: ``python -m asng_nas.gpu_check [--device cuda] [--out DIR] [--tiny]``."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check with the flags ``argv``; 0 when it passes, 1 when a check fails, 2 on bad arguments."""
    from ..search.training import COMPILE_CHOICES
    from ..search.utils import atomic_write_text, to_jsonable

    ap = argparse.ArgumentParser(prog="python -m asng_nas.gpu_check", description=DESCRIPTION)
    ap.add_argument("--device", default="cuda", help="cuda (default), cuda:1, cpu")
    ap.add_argument("--out", default="results/nas/gpu_check", help="folder for gpu_check.json / gpu_check.md")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (a CPU test: seconds)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compile", default="off", choices=COMPILE_CHOICES, help="torch.compile of the retraining")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        check_device(args.device)
    except ValueError as e:
        print(f"gpu_check: error: {e}", file=sys.stderr)
        return 2
    report = run_check(args.device, args.tiny, args.seed, args.compile)
    out = Path(args.out)
    atomic_write_text(out / "gpu_check.json", json.dumps(to_jsonable(report), indent=2) + "\n")
    atomic_write_text(out / "gpu_check.md", to_markdown(report))
    print(to_markdown(report))
    print(f"-> {out / 'gpu_check.json'}, {out / 'gpu_check.md'}")
    return 0 if report["passed"] else 1
