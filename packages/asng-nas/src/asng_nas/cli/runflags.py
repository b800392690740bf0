"""The record of a run's flags in its ``--out`` folder, so that ``--resume`` continues the run the
checkpoint belongs to and not a mix of it and other flags.

One record per command family (:func:`run_flags_name`): the searches (``search``,
``inpaint-search``, which share ``checkpoint.pt`` and so never a folder) write ``run_flags.json``,
the retrainings (``retrain``, ``inpaint-retrain``) ``retrain_run_flags.json``, so that a
retraining written into its search's folder leaves the search's record alone.

A command that starts a run writes the flags that set what it computes (:func:`recorded_flags`:
all but :data:`NEUTRAL`, and but those :data:`OVERRIDDEN` by another; ``--arch`` by its file's
content) and its name on rank 0 (:func:`write_run_flags`); ``--resume`` with a checkpoint present
refuses a record of another command, and compares the flags with the new ones and refuses a
change in one line naming each differing flag (:func:`check_run_flags`). A checkpoint without a
record (a run of an older version) resumes unchecked. A command that fails or is interrupted before its first
checkpoint takes its record away again (:func:`forget_run_flags`, called by
:func:`.commands.main`), so the folder does not count as holding a previous run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from ..search.distributed import is_lead
from ..search.utils import atomic_write_text
from .files import arch_file
from .outdir import checkpoint_name

__all__ = [
    "NEUTRAL",
    "OVERRIDDEN",
    "RETRAIN_RUN_FLAGS",
    "RUN_FLAGS",
    "RunFlagsError",
    "check_run_flags",
    "forget_run_flags",
    "recorded_flags",
    "run_flags_name",
    "write_run_flags",
]

#: the record's file name in ``--out``: of a search, of a retraining (:func:`run_flags_name`)
RUN_FLAGS = "run_flags.json"
RETRAIN_RUN_FLAGS = "retrain_run_flags.json"
FORMAT = "asng-nas-run-flags-v1"
#: the flags (by dest) that do not change what a run computes: where it writes and how it
#: resumes, its threads and device, what it shows, torch.compile, and the data folder (it may move)
NEUTRAL = frozenset("command out resume overwrite threads config device progress tensorboard compile data_dir".split())
#: flag (by dest) -> the flags it overrides when set (not 0 / unset): those then have no effect and
#: are neither recorded nor compared (``inpaint-search --iterations N`` sets the epochs and their
#: length itself)
OVERRIDDEN: dict[str, tuple[str, ...]] = {"iterations": ("epochs", "iters_per_epoch")}
#: flags whose unset value is resolved by the run (``--lam-x`` / ``--lam-theta``: the world size,
#: at least 2): not recorded, the search checkpoint compares the resolved values (its ``config``),
#: so that leaving one unset and giving the value it resolves to are the same run
RESOLVED = frozenset({"lam_x", "lam_theta"})
_WRITTEN = "_run_flags_written"  # the namespace attribute that remembers the record this command wrote


class RunFlagsError(ValueError):
    """``--resume`` with other flags than the run in ``--out`` started with (one line naming them),
    or a record that cannot be read."""


def _arch_digest(path: str) -> str:
    """The sha256 of the ``--arch`` file's JSON, keys sorted (its path and layout may change, its
    content may not)."""
    data = arch_file(path).read_bytes()
    try:
        data = json.dumps(json.loads(data), sort_keys=True).encode()
    except ValueError:  # not JSON (the command reports that itself): its bytes
        pass
    return hashlib.sha256(data).hexdigest()


def run_flags_name(command: str) -> str:
    """The record's file name in ``--out`` for ``command``: :data:`RETRAIN_RUN_FLAGS` for the
    retrainings, :data:`RUN_FLAGS` for the searches."""
    return RETRAIN_RUN_FLAGS if command in ("retrain", "inpaint-retrain") else RUN_FLAGS


def recorded_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The flags of ``args`` that set what the run computes, as JSON values (sorted by dest):
    all but :data:`NEUTRAL`, :data:`RESOLVED` and those that a set flag overrides (:data:`OVERRIDDEN`); ``--arch``
    is recorded as ``arch_sha256``, the digest of the file it names."""
    given = vars(args)
    overridden = {dest for flag, dests in OVERRIDDEN.items() if given.get(flag) for dest in dests}
    flags = {
        k: v
        for k, v in sorted(given.items())
        if k not in NEUTRAL | RESOLVED and k not in overridden and not k.startswith("_")
    }
    if "arch" in flags:
        flags["arch_sha256"] = _arch_digest(flags.pop("arch"))
    return json.loads(json.dumps(flags))


def _flag_names(command: str) -> dict[str, tuple[str, bool]]:
    """dest -> (the option that sets it, whether it is a ``--no-x`` switch) for ``command``."""
    from .parser import build_parser

    sub = build_parser().commands[command]
    return {
        a.dest: (a.option_strings[0], isinstance(a, argparse._StoreFalseAction))
        for a in sub._actions
        if a.option_strings
    }


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _difference(dest: str, then: Any, now: Any, names: dict[str, tuple[str, bool]]) -> str:
    """One differing flag in the words of the command line, e.g. ``--lr 0.1 there, 0.05 now``."""
    if dest == "arch_sha256":
        return "--arch another architecture there (the file's content differs)"
    flag, switch = names.get(dest, ("--" + dest.replace("_", "-"), False))
    if switch:
        return f"{flag} {'not given' if then else 'given'} there, {'not given' if now else 'given'} now"
    return f"{flag} {_show(then)} there, {_show(now)} now"


def _read(path: Path) -> dict[str, Any]:
    """The record in ``path`` (its ``command`` and ``flags``); :class:`RunFlagsError` naming it
    when it is not a record."""
    fix = "delete it to resume unchecked, or start anew with --overwrite"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RunFlagsError(f"{path}: cannot read the run's flags ({type(e).__name__}); {fix}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != FORMAT
        or not isinstance(doc.get("command"), str)
        or not isinstance(doc.get("flags"), dict)
    ):
        raise RunFlagsError(f"{path}: not the record of a run's flags that asng-nas writes; {fix}")
    return doc


def check_run_flags(args: argparse.Namespace) -> None:
    """With ``--resume`` and a checkpoint in ``--out``, refuse flags other than the recorded ones.

    Nothing to check without ``--resume``, without a checkpoint (a new run starts) or without a
    record (a run of an older version resumes as before). Reads only.

    Raises:
        RunFlagsError: one line naming the command when the record is another command's (a
            ``search`` folder resumed with ``inpaint-search``); one line listing each differing
            flag (``--lr 0.1 there, 0.05 now``) and the fix (resume with the same flags, or start
            anew with ``--overwrite``); or the record cannot be read.
    """
    out = Path(args.out)
    record = out / run_flags_name(args.command)
    if not (getattr(args, "resume", False) and (out / checkpoint_name(args.command)).is_file() and record.is_file()):
        return
    doc = _read(record)
    if doc["command"] != args.command:
        raise RunFlagsError(
            f"--out {out} holds a run of asng-nas {doc['command']}, not of {args.command}: resume it with "
            f"asng-nas {doc['command']}, or start anew with --overwrite or another --out"
        )
    then, now = doc["flags"], recorded_flags(args)
    names = _flag_names(args.command)
    diff = [_difference(k, then[k], v, names) for k, v in now.items() if k in then and then[k] != v]
    if diff:
        raise RunFlagsError(
            f"--out {out} holds a run started with other flags ({'; '.join(diff)}); resume with the same flags, "
            "or start anew with --overwrite"
        )


def write_run_flags(args: argparse.Namespace) -> None:
    """Record the run's flags in ``--out`` (:func:`run_flags_name`) when a run starts there (no
    checkpoint yet), on rank 0 only (under torchrun every rank runs the command); a resumed run
    keeps its record. ``args`` remembers the file for :func:`forget_run_flags`."""
    out = Path(args.out)
    if not is_lead() or (out / checkpoint_name(args.command)).is_file():
        return
    path = out / run_flags_name(args.command)
    doc = {"format": FORMAT, "command": args.command, "flags": recorded_flags(args)}
    atomic_write_text(path, json.dumps(doc, indent=1) + "\n")
    setattr(args, _WRITTEN, path)


def forget_run_flags(args: argparse.Namespace) -> None:
    """Remove the record this command wrote when its run has no checkpoint (it failed or was
    interrupted before the first one): the folder then holds no previous run."""
    path = getattr(args, _WRITTEN, None)
    if path is not None and not (path.parent / checkpoint_name(args.command)).is_file():
        path.unlink(missing_ok=True)
