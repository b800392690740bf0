"""The checks :func:`asng_nas.nn.search` makes before it runs, each a one-line error in the words
of the Python API (``out_dir``, ``resume=True``, ``overwrite=True``, ``device=...``, ``config``),
and what it records and undoes in ``out_dir``:

* :func:`check_flags`: ``resume=True`` together with ``overwrite=True``;
* :func:`as_config`: ``config`` as a :class:`~asng_nas.search.SearchConfig` (a dict of its fields
  is accepted; unknown keys are named);
* :func:`check_device`: a device torch does not know, or a CUDA device where torch sees none;
* :func:`prepare_out`: ``out_dir`` holding a previous run (the command line's check,
  :func:`asng_nas.search.outdir.prepare_out_dir`);
* :func:`check_resume`: ``resume=True`` with other settings than the run that wrote the
  checkpoint (the resumed run would not equal an uninterrupted one): the config (in the
  checkpoint; all but :data:`~asng_nas.search.checkpoint.FREE_FIELDS`), the batch size and the
  model's variables -- labels, kinds, candidates, order -- (in ``out_dir/nn_search.json``,
  :func:`record_run`);
* :func:`undone_on_failure`: a run that fails before its first checkpoint leaves no
  ``nn_search.json`` (nor a folder it created), so the same call can simply be made again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch

from ..search.checkpoint import FORMAT, diff_config, read_checkpoint
from ..search.config import SearchConfig
from ..search.outdir import API_WORDS, new_folders, prepare_out_dir, remove_if_empty
from ..search.utils import atomic_write_text
from .discover import Variables
from .mutable import ORDINAL, jsonable

__all__ = [
    "check_flags",
    "as_config",
    "check_device",
    "prepare_out",
    "check_resume",
    "run_record",
    "record_run",
    "undone_on_failure",
    "RUN_FILE",
    "RESUME_FIX",
]

#: what an nn search records of its arguments in ``out_dir``
RUN_FILE = "nn_search.json"

#: what a refused resume advises, in the API's words
RESUME_FIX = (
    "resume with the config, batch_size and model of the search that wrote it, "
    "or start a new search (overwrite=True, or another out_dir)"
)


def check_flags(resume: bool, overwrite: bool) -> None:
    """ValueError when both ``resume`` and ``overwrite`` are set: they contradict each other."""
    if resume and overwrite:
        raise ValueError(
            "resume=True and overwrite=True contradict each other (continue the run in out_dir, or delete it); "
            "pass one of them"
        )


def as_config(config: Any) -> SearchConfig:
    """``config`` as a :class:`SearchConfig`: None (the defaults), a SearchConfig, or a dict of
    its fields (``SearchConfig(**config)``).

    Raises:
        ValueError: another type, a dict with keys that are not SearchConfig fields (named), a
            value of the wrong type, or one out of range (SearchConfig's own check).
    """
    if config is None:
        return SearchConfig()
    if isinstance(config, SearchConfig):
        return config
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a SearchConfig (or a dict of its fields), got {type(config).__name__}")
    names = [f.name for f in fields(SearchConfig)]
    unknown = [k for k in config if k not in names]
    if unknown:
        raise ValueError(f"config: unknown fields {unknown}; SearchConfig's fields are {names}")
    try:
        return SearchConfig(**config)
    except TypeError as e:
        raise ValueError(f"config {dict(config)!r}: a field has a value of the wrong type ({e})") from None


def check_device(device: str | torch.device | None) -> None:
    """ValueError (one line) for a ``device`` torch cannot parse (e.g. ``"gpu"``), and for
    ``"cuda"`` / ``"cuda:K"`` where torch sees no such GPU."""
    if device is None or str(device) == "auto":
        return
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:K', a torch.device, "
            "or None (CUDA when available)"
        ) from None
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


def prepare_out(out_dir: str | Path | None, resume: bool, overwrite: bool, lead: bool = True) -> None:
    """Refuse an ``out_dir`` holding a previous run unless ``resume`` or ``overwrite`` (which
    deletes that run's files first); :class:`~asng_nas.search.outdir.OutDirError` otherwise.
    ``lead``: False on the processes but rank 0 of a distributed search, which neither look for
    nor delete ``nn_search.json`` (rank 0 alone writes it, maybe before they get here)."""
    if out_dir is not None:
        skip = () if lead else (RUN_FILE,)
        prepare_out_dir("nn-search", out_dir, resume=resume, overwrite=overwrite, words=API_WORDS, skip=skip)


# -- what a run records, and the resume's check ----------------------------------------------


def _variable_record(kind: str, candidates: Any, step: int) -> dict[str, Any]:
    if kind == ORDINAL:
        return {"kind": kind, "low": int(candidates[0]), "high": int(candidates[-1]), "step": step}
    return {"kind": kind, "candidates": jsonable(list(candidates))}


def run_record(seed: int, batch_size: int, variables: Variables) -> dict[str, Any]:
    """What ``nn_search.json`` holds: ``seed``, ``batch_size`` and ``variables`` (``{label:
    {"kind": ..., "candidates": [JSON values]}}``, an ordinal one as ``low`` / ``high`` / ``step``,
    in the model's order)."""
    return {
        "seed": seed,
        "batch_size": batch_size,
        "variables": {label: _variable_record(v.kind, v.candidates, v.step) for label, v in variables.items()},
    }


def _text(x: Any) -> str:
    return json.dumps(x)


def _shown(rec: Any) -> str:
    """A variable's record in a few words: ``ordinal 4..8 step 2``, ``categorical ["relu", "tanh"]``."""
    if not isinstance(rec, Mapping):
        return _text(rec)
    if rec.get("kind") == ORDINAL:
        return f"ordinal {rec.get('low')}..{rec.get('high')} step {rec.get('step')}"
    c = rec.get("candidates")
    if isinstance(c, list) and len(c) > 6:
        return f"{rec.get('kind')} [{', '.join(_text(v) for v in c[:3])}, ..., {_text(c[-1])}] ({len(c)} candidates)"
    return f"{rec.get('kind')} {_text(c)}"


def _diff_variable(label: str, then: Any, now: Mapping[str, Any]) -> list[str]:
    if _text(then) == _text(now):
        return []
    a, b = (then.get("candidates") if isinstance(then, Mapping) else None), now.get("candidates")
    same_shape = isinstance(then, Mapping) and then.get("kind") == now.get("kind")
    if same_shape and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        at = [i for i, (x, y) in enumerate(zip(a, b)) if _text(x) != _text(y)]
        return [f"variable {label!r} candidate {i} {_text(a[i])} there, {_text(b[i])} now" for i in at[:3]]
    return [f"variable {label!r} {_shown(then)} there, {_shown(now)} now"]


def diff_variables(then: Any, now: Mapping[str, Any]) -> list[str]:
    """How the variables recorded by a run (``then``) differ from this model's (``now``), each
    as ``"variable 'act' candidate 1 "tanh" there, "gelu" now"``; a changed order of the same
    variables counts (the architecture distribution is laid out in that order)."""
    if not isinstance(then, Mapping):
        return [f"variables {_text(then)} there, {list(now)} now"]
    out = [f"variable {k!r} {_shown(then[k])} there, missing now" for k in then if k not in now]
    out += [f"variable {k!r} missing there, {_shown(now[k])} now" for k in now if k not in then]
    for k in now:
        if k in then:
            out += _diff_variable(k, then[k], now[k])
    if not out and list(then) != list(now):
        out.append(f"the variables' order {list(then)} there, {list(now)} now")
    return out


def _read_run(out_dir: Path) -> dict[str, Any]:
    run_file = out_dir / RUN_FILE
    if not run_file.is_file():
        return {}
    try:
        doc = json.loads(run_file.read_text())
    except (ValueError, OSError):
        doc = None
    if not isinstance(doc, dict):
        raise ValueError(
            f"{run_file} is not the JSON an nn search writes; start a new search (overwrite=True, or another out_dir)"
        )
    return doc


def check_resume(out_dir: str | Path | None, config: SearchConfig, record: Mapping[str, Any]) -> None:
    """Check ``resume=True`` against the run in ``out_dir`` (nothing to check without a checkpoint).

    Raises:
        CheckpointError: a damaged or foreign ``checkpoint.pt``.
        ValueError: one line naming every difference (``lr 0.1 there, 0.05 now; batch_size 8
            there, 16 now; variable 'act' candidate 1 "tanh" there, "gelu" now``): the
            fields of ``config`` that change the run against the checkpoint's,
            ``batch_size`` and the model's variables (``record``, a :func:`run_record`) against
            ``nn_search.json``; a ``nn_search.json`` that is not a JSON object.
    """
    if out_dir is None or not (Path(out_dir) / "checkpoint.pt").is_file():
        return
    path = Path(out_dir) / "checkpoint.pt"
    saved = read_checkpoint(path, FORMAT, RESUME_FIX).get("config")
    then = _read_run(Path(out_dir))
    if not isinstance(saved, Mapping) and "seed" in then:  # a checkpoint without its config
        saved = {"seed": then["seed"]}
    diff = diff_config(saved, config)
    if then.get("batch_size") is not None and then["batch_size"] != record["batch_size"]:
        diff.append(f"batch_size {then['batch_size']} there, {record['batch_size']} now")
    if "variables" in then:
        diff += diff_variables(then["variables"], record["variables"])
    if diff:
        raise ValueError(f"{path} was written by a search with other settings ({'; '.join(diff)}); {RESUME_FIX}")


def record_run(out_dir: str | Path | None, record: Mapping[str, Any]) -> None:
    """Write ``out_dir/nn_search.json`` (a :func:`run_record`) for :func:`check_resume`."""
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(out_dir) / RUN_FILE, json.dumps(record) + "\n")  # other ranks may read it


# -- a failed run leaves nothing behind --------------------------------------------------------


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Which version of a file this is (None: no file): a checkpoint replaced atomically changes it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@contextlib.contextmanager
def undone_on_failure(out_dir: str | Path | None) -> Iterator[None]:
    """Around what a search writes from ``nn_search.json`` on: if the block raises (any
    exception, KeyboardInterrupt included) before a checkpoint was written, the
    ``nn_search.json`` it created and the folders it created (left empty) are removed, so that
    the same call can be made again without ``overwrite=True``; the exception propagates. After
    a checkpoint, everything stays: the run is resumed with ``resume=True``."""
    if out_dir is None:
        yield
        return
    folder = Path(out_dir)
    created, run_file = new_folders(folder), folder / RUN_FILE
    had_run_file, checkpoint = run_file.exists(), _stamp(folder / "checkpoint.pt")
    try:
        yield
    except BaseException:
        if _stamp(folder / "checkpoint.pt") == checkpoint:
            if not had_run_file:
                run_file.unlink(missing_ok=True)
            remove_if_empty(created)
        raise
