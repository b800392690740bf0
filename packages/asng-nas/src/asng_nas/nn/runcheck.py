"""The checks :func:`asng_nas.nn.search` makes before it runs, each a one-line error in the words
of the Python API (``out_dir``, ``resume=True``, ``overwrite=True``, ``device=...``):

* :func:`check_device`: a CUDA device where torch sees none;
* :func:`prepare_out`: ``out_dir`` holding a previous run (the command line's check,
  :func:`asng_nas.search.outdir.prepare_out_dir`);
* :func:`check_resume`: ``resume=True`` with another seed or batch size than the run that wrote
  the checkpoint (the resumed run would not equal an uninterrupted one); the batch size is
  recorded in ``out_dir/nn_search.json`` (:func:`record_run`), the seed in the checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ..search.checkpoint import FORMAT, read_checkpoint
from ..search.outdir import API_WORDS, prepare_out_dir

__all__ = ["check_device", "prepare_out", "check_resume", "record_run", "RUN_FILE"]

#: what an nn search records of its arguments in ``out_dir``
RUN_FILE = "nn_search.json"


def check_device(device: str | torch.device | None) -> None:
    """ValueError (one line) for ``"cuda"`` / ``"cuda:K"`` where torch sees no such GPU."""
    if device is None or str(device) == "auto":
        return
    dev = torch.device(device)
    if dev.type != "cuda":
        return
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if n == 0:
        build = "without CUDA support" if torch.version.cuda is None else "sees no GPU"
        raise ValueError(
            f"device={str(device)!r}: CUDA is not available (torch {torch.__version__} {build}); "
            "use device='cpu' or None"
        )
    if dev.index is not None and dev.index >= n:
        raise ValueError(f"device={str(device)!r}: this machine has {n} CUDA device(s), cuda:0 .. cuda:{n - 1}")


def prepare_out(out_dir: str | Path | None, resume: bool, overwrite: bool) -> None:
    """Refuse an ``out_dir`` holding a previous run unless ``resume`` or ``overwrite`` (which
    deletes that run's files first); :class:`~asng_nas.search.outdir.OutDirError` otherwise."""
    if out_dir is not None:
        prepare_out_dir("nn-search", out_dir, resume=resume, overwrite=overwrite, words=API_WORDS)


def check_resume(out_dir: str | Path | None, seed: int, batch_size: int) -> None:
    """ValueError naming the differing fields when ``out_dir/checkpoint.pt`` was written with
    another ``config.seed`` or ``batch_size`` (nothing to check without a checkpoint)."""
    if out_dir is None or not (Path(out_dir) / "checkpoint.pt").is_file():
        return
    path = Path(out_dir) / "checkpoint.pt"
    state = read_checkpoint(path, FORMAT, "start a new search (overwrite=True, or another out_dir)")
    then: dict[str, Any] = {"seed": (state.get("config") or {}).get("seed")}
    run_file = Path(out_dir) / RUN_FILE
    if run_file.is_file():
        try:
            then["batch_size"] = json.loads(run_file.read_text()).get("batch_size")
        except (ValueError, AttributeError):
            raise ValueError(f"{run_file} is not the JSON an nn search writes; start a new search") from None
    now = {"seed": seed, "batch_size": batch_size}
    diff = [f"{k} {then[k]!r} there, {now[k]!r} now" for k in then if then[k] is not None and then[k] != now[k]]
    if diff:
        raise ValueError(
            f"{path} was written by a search with other settings ({'; '.join(diff)}); resume with the same "
            "config.seed and batch_size for an exact resume, or start a new search (overwrite=True, or another out_dir)"
        )


def record_run(out_dir: str | Path | None, seed: int, batch_size: int) -> None:
    """Write ``out_dir/nn_search.json`` (``{"seed": ..., "batch_size": ...}``) for :func:`check_resume`."""
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / RUN_FILE).write_text(json.dumps({"seed": seed, "batch_size": batch_size}) + "\n")
