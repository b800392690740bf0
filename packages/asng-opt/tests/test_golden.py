"""The paper's algorithm is unchanged: replay the golden trajectories and compare with tolerance 0.

See ``golden/trajectories.py`` for the cases (Categorical, Integer, Gaussian, a Product and a
Categorical with long rows, each under ASNG with the paper's defaults, ASNG with lam = 8, SNG and
AdamNG; 300 tells each with noisy losses) and for how they were recorded.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

from trajectories import CASES, PATH, record  # noqa: E402

GOLDEN = json.loads(PATH.read_text())


def test_every_case_is_recorded():
    assert sorted(GOLDEN) == sorted(f"{s}/{o}" for s, o in CASES)


@pytest.mark.parametrize("space,optimizer", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_trajectory_is_bit_identical(space, optimizer):
    got = json.loads(json.dumps(record(space, optimizer)))  # the same float repr round trip as the file
    want = GOLDEN[f"{space}/{optimizer}"]
    for t in want:
        for key in want[t]:
            assert got[t][key] == want[t][key], f"{space}/{optimizer}: {key} differs after {t} tells"
