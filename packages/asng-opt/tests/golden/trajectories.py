"""Golden trajectories: the exact states ASNG, SNG and AdamNG reach on fixed problems.

The cases below were run once with the code as of the first release and their states written
to ``trajectories.json``; ``test_golden.py`` replays them and compares with tolerance 0. Any change
to the numerics of the paper's algorithm (sampling, ranking, natural gradient, Fisher factor,
projection, step-size adaptation) shows up here.

Bit for bit is a property of one kind of CPU: numpy's SIMD loops and OpenBLAS pick other kernels
(other summation orders) on a CPU with AVX-512, and the paper's expectation parameters amplify a
last-bit difference where sigma is small beside |mu| (sigma^2 = m2 - mu^2 cancels): on such a CPU
the Gaussian cases part from the first file's states within 10 tells, every random draw the same.
So each kind of CPU we run on has its own file (:data:`FILES`, keyed by :func:`platform_key`), all
recorded from the same code (``trajectories-x86_64-avx512.json`` was recorded with asng-opt 0.6's
code, after checking that 0.6 and the code under test write the same bytes there). To record again
after an *intended* change, on each kind of CPU: ``python packages/asng-opt/tests/golden/trajectories.py
--write`` (it writes this machine's file) and say why in the commit.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any, Callable

import numpy as np

from asng_opt import ASNG, SNG, AdamNG, Categorical, Gaussian, Integer, Product

#: the recorded file of each kind of CPU (:func:`platform_key`); the first was recorded on an x86-64
#: CPU without AVX-512 with the code of the first release
FILES = {"x86_64": "trajectories.json", "x86_64-avx512": "trajectories-x86_64-avx512.json"}
PATH = Path(__file__).with_name(FILES["x86_64"])
CHECKPOINTS = (1, 10, 100, 300)


def platform_key() -> str:
    """The kind of CPU, as far as floating point goes: the machine, and ``-avx512`` where numpy
    (and OpenBLAS) can use AVX-512."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features  # numpy >= 2
    except ImportError:  # pragma: no cover -- numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    return platform.machine() + ("-avx512" if features.get("AVX512F") else "")


def path_for(key: str) -> Path | None:
    """The recorded file of the kind of CPU ``key``, or None."""
    return Path(__file__).with_name(FILES[key]) if key in FILES else None


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
    ap.add_argument("--write", action="store_true", help="record the golden states to this kind of CPU's file")
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
