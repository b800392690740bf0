"""The paper's algorithm is unchanged: replay the golden trajectories and compare with tolerance 0.

See ``golden/trajectories.py`` for the cases (Categorical, Integer, Gaussian, a Product and a
Categorical with long rows, each under ASNG with the paper's defaults, ASNG with lam = 8, SNG and
AdamNG; 300 tells each with noisy losses), for how they were recorded, and for why each kind of CPU
has its own file: on a kind of CPU with a file the replay must match it bit for bit. On another
kind, what does not depend on the last bits is checked against every file: the random generator's
state at every checkpoint (every draw made, none added or skipped) and the state after the first
tell to 1e-12.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

from trajectories import CASES, CHECKPOINTS, FILES, path_for, platform_key, record  # noqa: E402

KEY = platform_key()
RECORDED = {key: json.loads(path_for(key).read_text()) for key in FILES}  # type: ignore[union-attr]


def _numbers(x, out):
    """The numbers of a recorded state, in a fixed order."""
    if isinstance(x, dict):
        for k in sorted(x):
            _numbers(x[k], out)
    elif isinstance(x, list):
        for v in x:
            _numbers(v, out)
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out.append(float(x))
    return out


def _close(got, want, rtol):
    a, b = np.array(_numbers(got, [])), np.array(_numbers(want, []))
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize("key", list(FILES))
def test_every_case_is_recorded(key):
    assert sorted(RECORDED[key]) == sorted(f"{s}/{o}" for s, o in CASES)


@pytest.mark.parametrize("space,optimizer", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_trajectory_is_bit_identical(space, optimizer):
    got = json.loads(json.dumps(record(space, optimizer)))  # the same float repr round trip as the file
    if KEY in RECORDED:  # this kind of CPU has its file: bit for bit
        want = RECORDED[KEY][f"{space}/{optimizer}"]
        for t in want:
            for key in want[t]:
                assert got[t][key] == want[t][key], f"{space}/{optimizer}: {key} differs after {t} tells ({KEY})"
        return
    for name, recorded in RECORDED.items():  # another kind of CPU: what does not depend on the last bits
        want = recorded[f"{space}/{optimizer}"]
        for t in want:
            assert got[t]["rng"] == want[t]["rng"] and got[t]["t"] == want[t]["t"], f"{name}: draws differ at {t}"
        assert _close(got["1"]["state"], want["1"]["state"], 1e-12), f"{name}: state differs after 1 tell"


@pytest.mark.parametrize("space,optimizer", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_the_files_of_the_kinds_of_cpu_agree_where_the_last_bits_do_not_matter(space, optimizer):
    # the files were recorded from the same code: the same draws at every checkpoint, the same
    # counts of tells and skipped tells, the first tell's state to 1e-12
    first, *others = (RECORDED[key][f"{space}/{optimizer}"] for key in FILES)
    for other in others:
        for t in map(str, CHECKPOINTS):
            assert other[t]["rng"] == first[t]["rng"] and other[t]["t"] == first[t]["t"]
            assert other[t]["n_skipped"] == first[t]["n_skipped"]
        assert _close(other["1"]["state"], first["1"]["state"], 1e-12)
