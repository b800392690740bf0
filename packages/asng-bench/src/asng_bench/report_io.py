"""Report I/O shared by the studies: the machine and its load, package versions, JSON and CSV
files, markdown tables and saved figures."""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

__all__ = [
    "machine_info",
    "load_average",
    "cpu_seconds",
    "package_versions",
    "write_json",
    "read_json",
    "write_csv",
    "read_csv",
    "md_row",
    "md_table",
    "pyplot",
    "save_figure",
]


# ---- the machine ----------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    """CPU model, core count, memory, Python and numpy versions, and what decides the last bits of
    numpy's sums on this machine: the CPU's family and model numbers (``cpu_kind``, from
    /proc/cpuinfo; None elsewhere), the SIMD targets numpy's loops dispatch to here (``numpy_simd``)
    and the kernel set of the BLAS numpy loaded (``blas_kernel``, via threadpoolctl when it is
    installed; None otherwise). Runs whose course depends on the last bits of a sum can differ
    between machines where these differ, even with the same versions and the same CPU name
    (results/blackbox/notes.md, "The CPU")."""
    cpu = platform.processor() or platform.machine()
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model") and key not in fields and value.strip():
                    fields[key] = value.strip()
                if line.strip() == "":  # the first processor's block is enough
                    break
    except OSError:
        pass
    cpu = fields.get("model name", cpu)
    kind = f"family {fields['cpu family']} model {fields['model']}" if {"cpu family", "model"} <= set(fields) else None
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            mem_gib = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_kind": kind,
        "numpy_simd": _numpy_simd(),
        "blas_kernel": _blas_kernel(),
    }


def _numpy_simd() -> Optional[list[str]]:
    """The targets of numpy's dispatched SIMD loops that this CPU supports (numpy picks among
    them at import), or None where numpy does not say."""
    import importlib

    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # numpy >= 2, 1.x
        try:
            umath = importlib.import_module(name)
        except ImportError:
            continue
        dispatch, features = getattr(umath, "__cpu_dispatch__", None), getattr(umath, "__cpu_features__", None)
        if dispatch is not None and features is not None:
            return [str(t) for t in dispatch if features.get(t)]
    return None


def _blas_kernel() -> Optional[str]:
    """The kernel set (OpenBLAS's "architecture", e.g. "Haswell"; several "+"-joined, as the key
    of asng-opt's golden trajectories names them) of the BLAS numpy loaded, or None without
    threadpoolctl (a dependency; an environment without it still runs) or where it does not
    report one."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    kernels = {
        str(i["architecture"])
        for i in threadpoolctl.threadpool_info()
        if i.get("user_api") == "blas" and i.get("architecture")
    }
    return "+".join(sorted(kernels)) or None


def load_average() -> Optional[list[float]]:
    """The 1-, 5- and 15-minute load averages (other processes competing for the cores), if the OS reports them."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the worker processes)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return time.process_time()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def package_versions(names: Iterable[str]) -> dict[str, Optional[str]]:
    """Installed version of each distribution, ``None`` where it is not installed."""
    import importlib.metadata as md

    out: dict[str, Optional[str]] = {}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


# ---- files ----------------------------------------------------------------------------------------
def write_json(path: str | Path, data: Any) -> Path:
    """``data`` as indented JSON with a final newline."""
    path = Path(path)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def write_csv(
    path: str | Path,
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    cell: Callable[[Any], Any] = lambda v: "" if v is None else v,
) -> Path:
    """One line per row with ``columns`` (other keys ignored), each value passed through ``cell``."""
    path = Path(path)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(columns))
        w.writeheader()
        for r in rows:
            w.writerow({k: cell(r.get(k)) for k in columns})
    return path


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a CSV file with a header, as dicts of strings."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- markdown tables ------------------------------------------------------------------------------
def md_row(cells: Iterable[Any]) -> str:
    """``| a | b | c |``."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def md_table(header: Sequence[Any], align: str, rows: Iterable[Sequence[Any]]) -> list[str]:
    """Header, rule and rows of a markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    if len(align) != len(header):
        raise ValueError(f"md_table: {len(header)} columns but alignment {align!r}")
    rule = "|" + "".join("---:|" if a == "r" else "---|" for a in align)
    return [md_row(header), rule] + [md_row(r) for r in rows]


# ---- figures --------------------------------------------------------------------------------------
def pyplot() -> Any:
    """``matplotlib.pyplot`` on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | Path, dpi: int) -> Path:
    """Save ``fig`` as ``path`` (creating its folder) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)
    return path
