"""The output folder of a run: refuse to write over a previous run unless asked to.

Each command that writes into ``--out`` names the files it writes (:data:`OUTPUTS`). If the
folder already holds one of them, the command stops before any work with one line naming the
folder, the files and the flags that let it go on: ``--resume`` (continue that run) or
``--overwrite`` (replace it: the previous run's files are deleted first, so nothing of it is
left mixed with the new one). The Python API (:func:`asng_nas.nn.search`) uses the same check
with its own words (``out_dir``, ``resume=True``, ``overwrite=True``: :data:`API_WORDS`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

__all__ = [
    "OUTPUTS",
    "RUN_RECORDS",
    "OutDirError",
    "previous_outputs",
    "prepare_out_dir",
    "checkpoint_name",
    "CLI_WORDS",
    "API_WORDS",
    "new_folders",
    "remove_if_empty",
]

#: the files each command writes into ``--out`` (``run_flags.json``, ``retrain_run_flags.json``: the
#: CLI's record of a search's / a retraining's flags, :mod:`asng_nas.cli.runflags`; a retraining's
#: files differ from a search's, so that it can write into the search's folder)
OUTPUTS: dict[str, tuple[str, ...]] = {
    "search": ("checkpoint.pt", "log.csv", "log.jsonl", "architecture.json", "cells.png", "run_flags.json"),
    "inpaint-search": (
        "checkpoint.pt",
        "log.csv",
        "log.jsonl",
        "architecture.json",
        "architecture.png",
        "inpainting.png",
        "run_flags.json",
    ),
    "retrain": (
        "retrain_checkpoint.pt",
        "retrain_log.csv",
        "retrain_log.jsonl",
        "model.pt",
        "retrain_summary.json",
        "retrain_run_flags.json",
    ),
    "inpaint-retrain": (
        "retrain_checkpoint.pt",
        "log.jsonl",
        "model.pt",
        "metrics.json",
        "inpainting.png",
        "retrain_run_flags.json",
    ),
    "nn-search": (
        "checkpoint.pt",
        "log.csv",
        "log.jsonl",
        "architecture.json",
        "export/architecture.json",
        "export/model.pt",
        "nn_search.json",
    ),
}

#: the records of a run's settings, written when it starts: alone (no checkpoint, no log), they
#: are what a run killed before its first checkpoint left, not a previous run, and are replaced
RUN_RECORDS = ("run_flags.json", "retrain_run_flags.json", "nn_search.json")

#: how the message names the folder, resuming and overwriting: (folder, resume, overwrite)
CLI_WORDS = ("--out", "--resume", "--overwrite")
API_WORDS = ("out_dir", "resume=True", "overwrite=True")


class OutDirError(ValueError):
    """``--out`` holds a previous run (or is a file); the message is one line saying what to do."""


def checkpoint_name(command: str) -> str:
    """The checkpoint file a command writes into ``--out`` (and ``--resume`` reads)."""
    return "checkpoint.pt" if command in ("search", "inpaint-search", "nn-search") else "retrain_checkpoint.pt"


def previous_outputs(folder: str | Path, names: Iterable[str], words: tuple[str, str, str] = CLI_WORDS) -> list[Path]:
    """The files among ``names`` that ``folder`` holds (none when it does not exist).

    Raises :class:`OutDirError` when ``folder`` exists and is not a folder."""
    d = Path(folder)
    if not d.exists():
        return []
    if not d.is_dir():
        raise OutDirError(f"{words[0]} {d} is a file, not a folder")
    return [d / n for n in names if (d / n).is_file()]


def prepare_out_dir(
    command: str,
    folder: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    words: tuple[str, str, str] = CLI_WORDS,
    skip: Collection[str] = (),
) -> None:
    """Check (and with ``overwrite``, clear) ``folder`` for ``command`` before it runs.

    A folder without any of the command's outputs is fine, and one holding only the record of a
    run's settings (:data:`RUN_RECORDS`: a run killed before its first checkpoint) too, the
    record then deleted. With outputs of a previous run:
    ``resume`` goes on (the command continues from its checkpoint), ``overwrite`` deletes those
    files (only those), otherwise :class:`OutDirError` (its message names the folder and the
    options with ``words``, :data:`CLI_WORDS` or :data:`API_WORDS`). ``skip``: outputs neither
    looked for nor deleted (under torchrun the CLI's ranks but 0 skip the record of the run's flags,
    which rank 0 alone writes, maybe before another rank gets here).
    """
    found = previous_outputs(folder, [n for n in OUTPUTS[command] if n not in skip], words)
    if not found or resume:
        return
    if all(p.name in RUN_RECORDS for p in found):  # a run killed before its first checkpoint: no run
        for p in found:
            p.unlink(missing_ok=True)
        return
    if overwrite:
        for p in found:
            p.unlink(missing_ok=True)  # under torchrun another rank may have deleted it first
        return
    out, res, over = words
    names = ", ".join(p.relative_to(folder).as_posix() for p in found)
    can_resume = any(p.name == checkpoint_name(command) for p in found)
    fix = f"pass {res} to continue it, " if can_resume else ""
    raise OutDirError(
        f"{out} {folder} already holds a previous run ({names}); {fix}pass {over} to replace it, "
        f"or choose another {out}"
    )


def new_folders(folder: str | Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first (what creating
    ``folder`` adds, and what :func:`remove_if_empty` takes away)."""
    missing, p = [], Path(folder)
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    return missing


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders (deepest first, as :func:`new_folders` lists them) that a failed run
    created but left empty (the first one that is not empty, and so its parents, stay)."""
    for p in folders:
        try:
            p.rmdir()  # only an empty folder goes
        except OSError:
            return
