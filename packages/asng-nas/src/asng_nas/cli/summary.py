"""``asng-nas summary FOLDER ...``: what the output folders of a run hold and what their numbers
mean, in a few lines per folder (the demo ends with it).

A folder is recognised by its files: a cell search (``architecture.json`` with a genotype), an
inpainting search (``architecture.json`` of a ``CAESpace``), a cell retraining
(``retrain_summary.json``), an inpainting retraining (``metrics.json``), and the folders of the
Python API (``asng_nas.nn.search``: ``architecture.json`` with an ``nn`` entry and ``export/``;
``Exported.save``: the ``asng-nas-nn-architecture-v1`` spec), which are not CLI run folders; any
other folder is listed file by file. Only files that exist are described.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FILE_MEANINGS", "not_folders", "summarize"]

#: one line on each file the commands write
FILE_MEANINGS = {
    "architecture.json": "the most likely architecture (every choice by name), theta and the run's config",
    "cells.png": "the normal and the reduction cell of that architecture, drawn left to right",
    "architecture.png": "the active encoder / decoder path of that architecture",
    "inpainting.png": "test faces: masked input, the restoration (known pixels kept) and the truth",
    "log.csv": "one row per epoch: losses, accuracy / PSNR, delta, mean max theta, seconds",
    "log.jsonl": "the same per-epoch records as JSON lines, with the most likely architecture",
    "checkpoint.pt": "weights, SGD / ASNG state and RNGs: continue with the same command plus --resume",
    "retrain_checkpoint.pt": "the retraining's state: continue with the same command plus --resume",
    "model.pt": "the retrained network's weights (asng-nas evaluate --model reads it)",
    "export/": "the exported plain module: architecture.json (asng_nas.nn.rebuild reads it) and model.pt",
    "retrain_summary.json": "test error, parameters, width and config of the retrained network",
    "retrain_log.csv": "one row per retraining epoch",
    "retrain_log.jsonl": "the same records as JSON lines",
    "metrics.json": "test PSNR / SSIM, parameters and config of the retrained autoencoder",
    "run_flags.json": "the flags the run started with: --resume refuses others (--lr, --seed, --epochs, ...)",
    "retrain_run_flags.json": "the flags the retraining started with: --resume refuses others (--lr, --seed, ...)",
    "runs.csv": "asng-bench toy: one row per run (seed, success, iterations until the target was reached)",
}


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _last_record(folder: Path, stem: str = "log") -> dict[str, Any]:
    """The last JSON line of ``folder/{stem}.jsonl`` ({} if none)."""
    try:
        lines = [ln for ln in (folder / f"{stem}.jsonl").read_text().splitlines() if ln.strip()]
        rec = json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        return {}
    return rec if isinstance(rec, dict) else {}


def _num(v: Any, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, (int, float)) and math.isfinite(v) else "n/a"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} B"


def _files(folder: Path, meanings: dict[str, str] | None = None) -> list[str]:
    """One line per file and sub-folder (``name/``) of ``folder``: its name and what it holds
    (``meanings`` first, then :data:`FILE_MEANINGS`, else its size / number of files)."""
    known = {**FILE_MEANINGS, **(meanings or {})}
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    names = [f"{p.name}/" if p.is_dir() else p.name for p in entries]
    width = max((len(n) for n in names), default=0)

    def what(p: Path, name: str) -> str:
        if name in known:
            return known[name]
        if p.is_dir():
            return f"a folder of {sum(1 for _ in p.iterdir())} entries"
        return _size(p.stat().st_size) if p.is_file() else "not a regular file"

    lines = [f"    {n:<{width}}  {what(p, n)}" for p, n in zip(entries, names)]
    return lines or ["    (no files)"]


def _cell_search(folder: Path, doc: dict[str, Any]) -> list[str]:
    last = _last_record(folder)
    acc = last.get("test_accuracy", (doc.get("final") or {}).get("test_accuracy"))
    n_choices = len(doc.get("choices") or {}) or "the"
    return [
        f"{folder}: a cell search (asng-nas search), {doc.get('epochs', '?')} epochs, "
        f"{_num(doc.get('search_seconds'), '.1f')} s of search",
        f"  test accuracy {_num(acc, '.3f')}: the supernet's most likely architecture (the likeliest choice of "
        "every variable) with the supernet's shared weights (BN statistics re-estimated) on the held-out test "
        "images (chance: 0.10); not a retrained network (asng-nas retrain trains it from scratch)",
        f"  mean max theta {_num(last.get('mean_max_theta'), '.3f')}: over {n_choices} choices, "
        "the mean probability of the likeliest option (1/k at the start, 1 when the search has decided)",
    ]


def _inpaint_search(folder: Path, doc: dict[str, Any]) -> list[str]:
    last = _last_record(folder)
    final = doc.get("final") or {}
    psnr = last.get("test_psnr", final.get("test_psnr"))
    ssim = last.get("test_ssim", final.get("test_ssim"))
    return [
        f"{folder}: an inpainting search (asng-nas inpaint-search, {doc.get('encoding', '?')} encoding), "
        f"{doc.get('epochs', '?')} epochs, {_num(doc.get('search_seconds'), '.1f')} s of search",
        f"  test PSNR {_num(psnr, '.2f')} dB, SSIM {_num(ssim, '.3f')}: the supernet's most likely autoencoder "
        "(shared weights, not retrained) on the held-out faces, over the whole image (higher is better; SSIM 1 = "
        "identical)",
        f"  mean max theta {_num(last.get('mean_max_theta'), '.3f')}: the mean probability of the likeliest option "
        "per choice (1 when the search has decided)",
        *(
            [
                "  inpainting.png shows the supernet's restorations: after a short search its shared weights only "
                "sketch the hole; asng-nas inpaint-retrain trains the architecture alone and shows what it restores"
            ]
            if (folder / "inpainting.png").is_file()
            else []
        ),
    ]


def _cell_retrain(folder: Path, doc: dict[str, Any]) -> list[str]:
    return [
        f"{folder}: a retrained cell network (asng-nas retrain), {doc.get('n_cells', '?')} cells, "
        f"C = {doc.get('channels', '?')}, {doc.get('n_params', '?')} parameters, {doc.get('epochs', '?')} epochs",
        f"  test error {_num(100 * doc['test_error'] if isinstance(doc.get('test_error'), float) else None, '.2f')} %:"
        f" the retrained network on the {doc.get('dataset', '?')} test set",
    ]


def _inpaint_retrain(folder: Path, doc: dict[str, Any]) -> list[str]:
    return [
        f"{folder}: a retrained inpainting autoencoder (asng-nas inpaint-retrain), "
        f"{doc.get('parameters', '?')} parameters",
        f"  test PSNR {_num(doc.get('test_psnr'), '.2f')} dB, SSIM {_num(doc.get('test_ssim'), '.3f')}: "
        "its restorations of the held-out faces, over the whole image (higher is better; SSIM 1 = identical)"
        + ("; inpainting.png shows them" if (folder / "inpainting.png").is_file() else ""),
    ]


def _nn_search(folder: Path, doc: dict[str, Any]) -> list[str]:
    last = _last_record(folder)
    final = {k: v for k, v in {**(doc.get("final") or {}), **last}.items() if k.startswith("test_")}
    scores = ", ".join(f"{k[5:]} {_num(v, '.4g')}" for k, v in final.items()) or "no test scores"
    return [
        f"{folder}: a search of your own model with the Python API (asng_nas.nn.search), not an asng-nas "
        f"command's folder; {doc.get('epochs', '?')} epochs, {_num(doc.get('search_seconds'), '.1f')} s of search",
        f"  {scores}: the most likely candidate with the supernet's shared weights on your test data "
        "(your metric; not a retrained network)",
        "  choices: " + json.dumps((doc.get("nn") or {}).get("choices", doc.get("choices", {}))),
    ]


def _nn_export(folder: Path, doc: dict[str, Any]) -> list[str]:
    return [
        f"{folder}: an exported module of the Python API (asng_nas.nn.export(...).save), not an asng-nas "
        "command's folder: asng_nas.nn.rebuild('architecture.json', your_supernet, 'model.pt') gives the plain module",
        "  choices: " + json.dumps(doc.get("choices", {})),
    ]


_NN_EXPORT = {
    "architecture.json": "the exported module's spec: choices, pruned parts, parameter shapes",
    "model.pt": "the exported plain module's weights (a state dict; asng_nas.nn.rebuild loads it, "
    "asng-nas evaluate does not)",
}
_NN_SEARCH = {
    "checkpoint.pt": "weights, SGD / ASNG state and RNGs: asng_nas.nn.search(..., resume=True) continues it",
    "architecture.json": "the most likely candidate (every choice by name), theta, the run's config and its spec",
}
_INPAINT_RETRAIN = {
    "log.jsonl": "test PSNR / SSIM and loss every --eval-every iterations",
    "model.pt": "the retrained autoencoder's weights and architecture (asng-nas evaluate scores only the "
    "classification models of asng-nas retrain)",
}


def _toy_runs(folder: Path) -> list[str]:
    """An ``asng-bench toy`` folder: how many runs reached the target, and the median iterations."""
    import csv

    try:
        with open(folder / "runs.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        ok = [r for r in rows if str(r.get("success")).lower() == "true"]
        its = sorted(int(float(r["iterations"])) for r in ok)
    except (OSError, KeyError, ValueError):
        return []
    if not rows:
        return []
    median = f"{its[len(its) // 2]:,}" if its else "n/a"
    r0 = rows[0]
    return [
        f"{folder}: {len(rows)} runs of the paper's toy problem (asng-bench toy, {r0.get('alg', '?')}, "
        f"eps_x {r0.get('eps_x', '?')}, delta0 {r0.get('delta0', '?')})",
        f"  {len(ok)} of {len(rows)} runs reached the target; median {median} iterations "
        "among those that did (asng-bench prints SP1 and quartiles)",
    ]


def _search_kind(arch: dict[str, Any]) -> Callable[[Path, dict[str, Any]], list[str]] | None:
    """How to describe the folder of this ``architecture.json`` (None: not one we know)."""
    if arch.get("space") == "CAESpace":
        return _inpaint_search
    if "genotype" in arch:
        return _cell_search
    if "nn" in arch:
        return _nn_search
    if arch.get("format") == "asng-nas-nn-architecture-v1":
        return _nn_export
    return None


def _describe(folder: Path) -> list[str]:
    arch = _json(folder / "architecture.json")
    kinds: list[tuple[Any, Callable[[Path, dict[str, Any]], list[str]]]] = []
    search_kind = _search_kind(arch) if isinstance(arch, dict) else None
    if search_kind is not None:
        kinds.append((arch, search_kind))
    for name, fn in (("retrain_summary.json", _cell_retrain), ("metrics.json", _inpaint_retrain)):
        doc = _json(folder / name)
        if isinstance(doc, dict):
            kinds.append((doc, fn))
    lines = [ln for doc, fn in kinds for ln in fn(folder, doc)] or _toy_runs(folder) or [f"{folder}:"]
    wrapped = [textwrap.fill(ln, width=100, subsequent_indent="    ", break_on_hyphens=False) for ln in lines]
    meanings = (
        _INPAINT_RETRAIN if (folder / "metrics.json").is_file() else _NN_EXPORT if search_kind is _nn_export else None
    )
    return [*wrapped, "  files:", *_files(folder, meanings)]


def not_folders(folders: list[str | Path]) -> list[str]:
    """One line for each of ``folders`` that is not a folder (missing, or a file)."""
    return [
        f"{f}: is a file, not an output folder" if Path(f).exists() else f"{f}: no such folder"
        for f in folders
        if not Path(f).is_dir()
    ]


def summarize(folders: list[str | Path]) -> str:
    """The summary text of those of ``folders`` that are folders (see :func:`not_folders` for the rest)."""
    return "\n\n".join("\n".join(_describe(Path(f))) for f in folders if Path(f).is_dir())
