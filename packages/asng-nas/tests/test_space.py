import numpy as np
import pytest

from asng_nas.classification.genotype import Genotype
from asng_nas.classification.space import OPS, ENASSpace
from asng_nas.search.space import Choice, IntRange, SearchSpace, mean_max_theta
from asng_opt import ASNG, Categorical, Product


def test_enas_space_has_40_variables_and_140_parameters():
    space = ENASSpace()
    dist = space.make_distribution()
    assert isinstance(dist, Categorical)
    assert space.n_variables == 40 == dist.n_variables
    assert dist.n_theta == 140 == space.n_theta
    assert OPS == ("identity", "avg_pool_3x3", "max_pool_3x3", "sep_conv_3x3", "sep_conv_5x5")
    assert space.names[:4] == [
        "normal.node0.input_a",
        "normal.node0.input_b",
        "normal.node0.op_a",
        "normal.node0.op_b",
    ]


def test_decode_encode_round_trip_and_concat():
    space = ENASSpace()
    opt = ASNG(space.make_distribution(), seed=3)
    for c in space.split(opt.ask(20)):
        g = space.decode(c)
        assert isinstance(g, Genotype)
        np.testing.assert_array_equal(space.encode(g), c)
        assert Genotype.from_dict(g.to_dict()) == g
        for cell in (g.normal, g.reduce):
            assert cell.concat and 6 in cell.concat  # the last node is never read
            for i, node in enumerate(cell.nodes):
                assert all(0 <= j < 2 + i for j, _ in node)
    desc = space.describe(c)
    assert set(desc) == {"choices", "genotype"}
    assert desc["choices"]["normal.node0.input_a"] in ("c_{k-2}", "c_{k-1}")


def test_user_defined_mixed_space():
    space = SearchSpace([Choice("act", ("relu", "gelu")), IntRange("width", 8, 32), Choice("k", (1, 3, 5))])
    dist = space.make_distribution()
    assert isinstance(dist, Product)
    opt = ASNG(dist, seed=0)
    samples = opt.ask(4)
    parts = space.split(samples)
    assert len(parts) == 4
    arch = space.decode(parts[0])
    assert list(arch) == ["act", "width", "k"]
    assert arch["act"] in ("relu", "gelu") and 8 <= arch["width"] <= 32 and arch["k"] in (1, 3, 5)
    assert mean_max_theta(dist, opt.theta) == pytest.approx((1 / 2 + 1 / 3) / 2)  # act and k, uniform at the start


def test_space_rejects_duplicate_names():
    with pytest.raises(ValueError):
        SearchSpace([Choice("a", (1, 2)), Choice("a", (1, 2))])
