"""The paper's algorithm is unchanged: replay the golden trajectories and compare with tolerance 0.

See ``golden/trajectories.py`` for the cases (Categorical, Integer, Gaussian, a Product and a
Categorical with long rows, each under ASNG with the paper's defaults, ASNG with lam = 8, SNG and
AdamNG; 300 tells each with noisy losses), for how they were recorded, and for why each
floating-point environment (the machine, numpy's version and SIMD target, the BLAS kernels:
``platform_key``) has its own file: in an environment with a file the replay must match it bit for
bit. In another, what does not depend on the last bits is checked against every file: the random
generator's state at every checkpoint (every draw made, none added or skipped), and the state, to
RTOL of each field's largest entry, at the checkpoints up to FALLBACK_HORIZON tells where the
recorded files agree to RTOL among themselves (the environments part where sigma << |mu| amplifies
the last bit, and the longer a replay runs the more environments part: under OpenBLAS's Katmai
kernels gaussian/adam parts from all three files by 1e-9 after 100 tells and by 0.7 after 300,
where the files agree among themselves), so that a change of the update shows up there too. Such a
replay warns that it was not compared bit for bit.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

from trajectories import CASES, CHECKPOINTS, FILES, golden_path, path_for, platform_key, record  # noqa: E402

KEY = platform_key()
#: each recorded file once (several environments may share one), by file name
RECORDED = {name: json.loads(golden_path(name).read_text()) for name in sorted(set(FILES.values()))}


#: the fallback's tolerance, relative to each state field's largest entry: the recorded environments
#: agree to 2e-11 or better where they agree at all
RTOL = 1e-9
#: the fallback compares states up to this many tells (the checkpoints 1 and 10): later ones depend
#: on the last bits in some environment even where the recorded files agree (the module docstring)
FALLBACK_HORIZON = 10


def _fields(x, path="", out=None):
    """A recorded state's fields as float arrays, by path."""
    out = {} if out is None else out
    if isinstance(x, dict) and set(x) == {"shape", "dtype", "values"}:
        out[path] = np.asarray(x["values"], dtype=float)
    elif isinstance(x, dict):
        for k in sorted(x):
            _fields(x[k], f"{path}/{k}", out)
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out[path] = np.array([float(x)])
    return out


def _deviation(got, want):
    """The largest difference of two recorded states, relative to each field's largest entry (inf
    where their fields differ)."""
    a, b = _fields(got), _fields(want)
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in b):
        return np.inf
    return max((np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(b[k])), 1e-300) for k in b if b[k].size), default=0.0)


def _agreeing(case):
    """The checkpoints up to FALLBACK_HORIZON tells at which every recorded file holds the same state
    of ``case`` to RTOL."""
    first, *others = (recorded[case] for recorded in RECORDED.values())
    return [
        t
        for t in first
        if int(t) <= FALLBACK_HORIZON and all(_deviation(o[t]["state"], first[t]["state"]) <= RTOL for o in others)
    ]


@pytest.mark.parametrize("name", sorted(set(FILES.values())))
def test_every_case_is_recorded(name):
    assert sorted(RECORDED[name]) == sorted(f"{s}/{o}" for s, o in CASES)


def test_the_key_names_the_floating_point_environment():
    # machine, numpy's major.minor, the SIMD target, the BLAS kernels: an environment that differs in
    # any of them gets another key, so that no file is compared bit for bit where it was not recorded
    machine, numpy_version, simd, blas = KEY.split("-", 3)
    assert machine and numpy_version == "numpy" + ".".join(np.__version__.split(".")[:2]) and simd and blas
    assert all(len(key.split("-", 3)) == 4 and key.split("-", 3)[1].startswith("numpy") for key in FILES)
    assert path_for("x86_64-numpy2.4-X86_V3-Haswell").name == "trajectories.json"
    assert path_for("x86_64-numpy2.4-X86_V4-SkylakeX") == path_for("x86_64-numpy2.4-AVX512_ICL-SkylakeX")
    assert path_for("riscv64-numpy2.4-baseline-blas-unknown") is None
    assert all(golden_path(name).is_file() for name in FILES.values())


@pytest.mark.parametrize("space,optimizer", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_trajectory_is_bit_identical(space, optimizer):
    got = json.loads(json.dumps(record(space, optimizer)))  # the same float repr round trip as the file
    if KEY in FILES:  # this environment has its file: bit for bit
        want = RECORDED[FILES[KEY]][f"{space}/{optimizer}"]
        for t in want:
            for key in want[t]:
                assert got[t][key] == want[t][key], f"{space}/{optimizer}: {key} differs after {t} tells ({KEY})"
        return
    case = f"{space}/{optimizer}"
    warnings.warn(f"{case}: no golden file for this environment ({KEY}): replay not compared bit for bit", stacklevel=1)
    agreeing = _agreeing(case)
    for name, recorded in RECORDED.items():  # another environment: what does not depend on the last bits
        want = recorded[case]
        for t in want:
            assert got[t]["rng"] == want[t]["rng"] and got[t]["t"] == want[t]["t"], f"{name}: draws differ at {t}"
        for t in agreeing:
            deviation = _deviation(got[t]["state"], want[t]["state"])
            assert deviation <= RTOL, f"{case}: state differs from {name}'s by {deviation:.1e} after {t} tells"


@pytest.mark.parametrize("space,optimizer", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_the_files_of_the_environments_agree_where_the_last_bits_do_not_matter(space, optimizer):
    # the files were recorded from the same code: the same draws at every checkpoint, the same
    # counts of tells and skipped tells, the same first tell's state to RTOL
    case = f"{space}/{optimizer}"
    first, *others = (recorded[case] for recorded in RECORDED.values())
    for other in others:
        for t in map(str, CHECKPOINTS):
            assert other[t]["rng"] == first[t]["rng"] and other[t]["t"] == first[t]["t"]
            assert other[t]["n_skipped"] == first[t]["n_skipped"]
    assert "1" in _agreeing(case)


def test_the_fallback_compares_most_checkpoints():
    # the fallback keeps its power: the state is compared at 39 of the 40 (case, checkpoint) pairs
    # up to its horizon (all of them but gaussian/asng_lam8 after 10 tells)
    assert sum(len(_agreeing(f"{s}/{o}")) for s, o in CASES) >= 39
