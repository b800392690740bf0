"""Golden trajectories: the exact states ASNG, SNG and AdamNG reach on fixed problems.

The cases below were run once with the code as of the first release and their states written
to ``trajectories.json``; ``test_golden.py`` replays them and compares with tolerance 0. Any change
to the numerics of the paper's algorithm (sampling, ranking, natural gradient, Fisher factor,
projection, step-size adaptation) shows up here.

Bit for bit is a property of one floating-point environment: numpy's SIMD loops and OpenBLAS pick
other kernels (other summation orders) by CPU, and the paper's expectation parameters amplify a
last-bit difference where sigma is small beside |mu| (sigma^2 = m2 - mu^2 cancels): the Gaussian
cases part within 10 tells, every random draw the same. "A CPU with AVX-512" is not precise enough:
an AMD family 26 CPU with AVX-512 whose environment sets ``OPENBLAS_CORETYPE=Haswell`` (numpy
dispatches to AVX512_ICL, OpenBLAS runs its Haswell kernels; by default it picks SkylakeX ones
there) matched neither file of the two kinds keyed so before (18 of the 20 cases differed in the
last bits, every draw the same). So :func:`platform_key` names the environment itself: the machine,
numpy's version (major.minor), the best SIMD target numpy's dispatched loops use, and the BLAS
kernels numpy loaded (threadpoolctl, a test dependency; "blas-unknown" without it). An environment
with a file (:data:`FILES`) must match it bit for bit; any other is checked against every file on
what does not depend on the last bits (``test_golden.py``), with a warning that it was not compared
bit for bit. All files hold the same code's states: ``trajectories.json`` (the first release's
code) and ``trajectories-x86_64-avx512.json`` (asng-opt 0.6's code, checked to write the same bytes
as the code under test) were recorded before the keys named the environment; replaying under
numpy's and OpenBLAS's switches found their environments byte for byte (:data:`FILES`), and
``trajectories-x86_64-numpy2.4-AVX512_ICL-Haswell.json`` was recorded for the third. To
record this environment's file: ``python packages/asng-opt/tests/golden/trajectories.py --write``
(after an *intended* change, on every environment with a file, and say why in the commit).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any, Callable

import numpy as np

from asng_opt import ASNG, SNG, AdamNG, Categorical, Gaussian, Integer, Product

#: the recorded file of each floating-point environment (:func:`platform_key`): the first two files
#: were recorded before the keys named the environment (as "x86_64" and "x86_64-avx512"); their
#: environments were found by replaying on a CPU with AVX-512 under numpy's and OpenBLAS's switches
#: (NPY_DISABLE_CPU_FEATURES, OPENBLAS_CORETYPE), which wrote their bytes exactly; the third is the
#: default environment of such a CPU whose OpenBLAS is told to use its Haswell kernels (an AMD family
#: 26 CPU with OPENBLAS_CORETYPE=Haswell), recorded with asng-opt 0.18.0's code after checking that
#: the code before issue 12 (1ce1a65) writes the same bytes
FILES = {
    "x86_64-numpy2.4-X86_V3-Haswell": "trajectories.json",
    "x86_64-numpy2.4-X86_V4-SkylakeX": "trajectories-x86_64-avx512.json",
    "x86_64-numpy2.4-AVX512_ICL-SkylakeX": "trajectories-x86_64-avx512.json",
    "x86_64-numpy2.4-X86_V4-Haswell": "trajectories-x86_64-numpy2.4-AVX512_ICL-Haswell.json",
    "x86_64-numpy2.4-AVX512_ICL-Haswell": "trajectories-x86_64-numpy2.4-AVX512_ICL-Haswell.json",
}
CHECKPOINTS = (1, 10, 100, 300)


def platform_key() -> str:
    """The floating-point environment, as far as the last bits of numpy's results go:
    ``"<machine>-numpy<major.minor>-<SIMD target>-<BLAS kernels>"``, e.g.
    ``"x86_64-numpy2.4-AVX512_ICL-Haswell"``. The SIMD target is the last (best) of numpy's dispatch
    targets this CPU supports ("baseline" where none is); the BLAS kernels are threadpoolctl's
    "architecture" of the BLAS numpy loaded ("blas-unknown" without threadpoolctl or a report)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatch  # numpy >= 2
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # pragma: no cover -- numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__ as dispatch
        from numpy.core._multiarray_umath import __cpu_features__ as features
    targets = [t for t in dispatch if features.get(t)]
    version = ".".join(np.__version__.split(".")[:2])
    return f"{platform.machine()}-numpy{version}-{targets[-1] if targets else 'baseline'}-{_blas_kernels()}"


def _blas_kernels() -> str:
    """threadpoolctl's "architecture" of the BLAS libraries numpy loaded ("+"-joined, as asng-bench's
    ``machine_info`` records them), or "blas-unknown"."""
    try:
        import threadpoolctl
    except ImportError:
        return "blas-unknown"
    info = threadpoolctl.threadpool_info()
    kernels = sorted({str(i["architecture"]) for i in info if i.get("user_api") == "blas" and i.get("architecture")})
    return "+".join(kernels) or "blas-unknown"


def path_for(key: str) -> Path | None:
    """The recorded file of the floating-point environment ``key``, or None."""
    return golden_path(FILES[key]) if key in FILES else None


def golden_path(name: str) -> Path:
    """The path of the recorded file ``name`` (one of :data:`FILES`' values)."""
    return Path(__file__).with_name(name)


def _space(name: str):
    if name == "categorical":
        return Categorical([3, 4, 5, 2, 6])
    if name == "integer":
        return Integer([0, -5, 10], [10, 5, 200])
    if name == "gaussian":
        return Gaussian(mean=[0.0, 1.0, -2.0], sigma=[1.0, 0.5, 2.0])
    if name == "product":
        return Product(c=Categorical([3] * 6), i=Integer(0, 20, size=2), x=Gaussian(size=2))
    if name == "wide":  # many categories: guards the inverse-CDF sampling of long rows
        return Categorical([70, 2, 33])
    raise KeyError(name)


def _objective(name: str) -> Callable[[Any], float]:
    cat_target = np.arange(5) % np.array([3, 4, 5, 2, 6])
    int_target = np.array([7, -2, 123])

    def categorical(c):
        return float(np.sum(c != cat_target))

    def integer(v):
        return float(np.sum((v - int_target) ** 2))

    def gaussian(x):
        return float(np.sum((x - 1.5) ** 2))

    def wide(c):
        return float(np.sum(c != np.array([17, 1, 30])))

    def product(s):
        return float(np.sum(s["c"] != 1) + np.sum((s["i"] - 6) ** 2) + np.sum((s["x"] - 0.5) ** 2))

    funs = {"categorical": categorical, "integer": integer, "gaussian": gaussian, "product": product, "wide": wide}
    return funs[name]


OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "asng": lambda d: ASNG(d, seed=1),
    "asng_lam8": lambda d: ASNG(d, lam=8, delta0=0.5, seed=2),
    "sng": lambda d: SNG(d, lam=4, delta=0.3, seed=3),
    "adam": lambda d: AdamNG(d, lam=4, lr=0.05, seed=4),
}
SPACES = ("categorical", "integer", "gaussian", "product", "wide")
CASES = [(s, o) for s in SPACES for o in OPTIMIZERS]


def _items(samples: Any) -> list[Any]:
    if isinstance(samples, dict):
        n = len(next(iter(samples.values())))
        return [{k: v[j] for k, v in samples.items()} for j in range(n)]
    return list(samples)


def _plain(x: Any) -> Any:
    """JSON-ready copy: arrays become {"shape", "dtype", "values"}; floats keep every bit (repr)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return {"shape": list(x.shape), "dtype": str(x.dtype), "values": [_plain(v) for v in x.ravel().tolist()]}
    if isinstance(x, np.generic):
        return x.item()
    return x


def record(space: str, optimizer: str) -> dict[str, Any]:
    """Run one case and return the states at CHECKPOINTS: the state fields, t, n_skipped and the RNG."""
    opt = OPTIMIZERS[optimizer](_space(space))
    fun = _objective(space)
    noise = np.random.default_rng(12345)
    out: dict[str, Any] = {}
    for t in range(1, CHECKPOINTS[-1] + 1):
        samples = opt.ask()
        losses = [fun(x) + 0.1 * noise.standard_normal() for x in _items(samples)]
        opt.tell(samples, losses)
        if t in CHECKPOINTS:
            sd = opt.state_dict()
            out[str(t)] = _plain({"state": sd["state"], "t": sd["t"], "n_skipped": sd["n_skipped"], "rng": sd["rng"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--write",
        action="store_true",
        help="record the golden states to this floating-point environment's file (platform_key())",
    )
    args = ap.parse_args()
    data = {f"{s}/{o}": record(s, o) for s, o in CASES}
    if args.write:
        key = platform_key()
        path = path_for(key) or Path(__file__).with_name(f"trajectories-{key}.json")
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(data)} cases to {path}" + ("" if key in FILES else f" (add {key!r} to FILES)"))
    else:
        print(json.dumps(data)[:2000])


if __name__ == "__main__":
    main()
