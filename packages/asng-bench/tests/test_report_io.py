"""machine_info: what a study records of the machine, including what decides its floating-point
course (the CPU's family and model, numpy's SIMD targets, the BLAS kernels)."""

import io
import re

import numpy as np

import asng_bench.report_io as rio
from asng_bench.blackbox.preamble import preamble

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC

processor\t: 1
cpu family\t: 25
model\t\t: 1
model name\t: Another CPU
"""


def _fake_open(text):
    real = open

    def fake(path, *args, **kwargs):
        if path == "/proc/cpuinfo":
            if text is None:
                raise OSError("no /proc/cpuinfo")
            return io.StringIO(text)
        if path == "/proc/meminfo":
            raise OSError("no /proc/meminfo")
        return real(path, *args, **kwargs)

    return fake


def test_machine_info_records_the_cpu_kind_simd_targets_and_blas_kernels():
    info = rio.machine_info()
    assert {
        "cpu",
        "cores",
        "memory_gib",
        "python",
        "numpy",
        "platform",
        "cpu_kind",
        "numpy_simd",
        "blas_kernel",
    } <= set(info)
    assert info["numpy"] == np.__version__
    assert info["cpu_kind"] is None or re.fullmatch(r"family \S+ model \S+", info["cpu_kind"])
    assert info["numpy_simd"] is None or all(isinstance(t, str) and t for t in info["numpy_simd"])
    assert info["blas_kernel"] is None or (isinstance(info["blas_kernel"], str) and info["blas_kernel"])


def test_machine_info_reads_the_first_processor_and_survives_a_missing_cpuinfo(monkeypatch):
    monkeypatch.setattr(rio, "open", _fake_open(CPUINFO), raising=False)
    info = rio.machine_info()
    assert info["cpu"] == "AMD EPYC" and info["cpu_kind"] == "family 26 model 2"  # not the second block's
    assert info["memory_gib"] is None
    monkeypatch.setattr(rio, "open", _fake_open("model name\t: Some CPU\n"), raising=False)
    info = rio.machine_info()
    assert info["cpu"] == "Some CPU" and info["cpu_kind"] is None  # no family and model: None, no error
    monkeypatch.setattr(rio, "open", _fake_open("model name\t:\ncpu family\t: 6\nmodel\t\t: 85\n"), raising=False)
    info = rio.machine_info()
    assert info["cpu"] and info["cpu_kind"] == "family 6 model 85"  # an empty name: the platform's instead
    monkeypatch.setattr(rio, "open", _fake_open(None), raising=False)
    info = rio.machine_info()
    assert info["cpu_kind"] is None and info["cpu"]  # platform's name instead


def test_blas_kernel_is_none_without_threadpoolctl(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    assert rio._blas_kernel() is None


def test_the_preamble_names_the_cpu_kind_and_blas_kernel_when_recorded():
    machine = {
        "cores": 2,
        "cpu": "AMD EPYC",
        "numpy_simd": ["X86_V3"],
        "blas_kernel": "Haswell",
        "cpu_kind": "family 26 model 2",
    }
    meta = {"command": "c", "wall_s": 1.0, "jobs": 1, "seeds": 2, "versions": {}, "machine": machine}
    line = next(x for x in preamble(meta) if x.startswith("Machine: "))
    assert line == "Machine: cpu AMD EPYC, cpu_kind family 26 model 2, blas_kernel Haswell, cores 2."
    old = {**meta, "machine": {"cpu": "AMD EPYC", "cores": 2, "blas_kernel": None}}  # recorded before them / None
    assert "Machine: cpu AMD EPYC, cores 2." in preamble(old)
