"""A description of the machine a benchmark ran on, recorded beside its numbers."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np


def machine_info() -> dict[str, Any]:
    """CPU model, core count, memory, Python and numpy versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
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
    }
