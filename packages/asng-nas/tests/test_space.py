import numpy as np
import pytest

from asng_nas.classification.genotype import Genotype
from asng_nas.classification.space import OPS, ENASSpace
from asng_nas.search.space import Choice, FloatRange, IntRange, SearchSpace, mean_max_theta
from asng_opt import ASNG, Categorical, Integer, Product, Space


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
    space = SearchSpace(act=Choice(("relu", "gelu")), width=IntRange(8, 32), k=Choice((1, 3, 5)))
    dist = space.make_distribution()
    assert isinstance(dist, Product)
    assert (
        dist.spec() == Product(cat=Categorical([2, 3]), int=Integer([8], [32])).spec()
    )  # the layout of old checkpoints
    opt = ASNG(dist, seed=0)
    samples = opt.ask(4)
    parts = space.split(samples)
    assert len(parts) == 4
    arch = space.decode(parts[0])
    assert list(arch) == ["act", "width", "k"]
    assert arch["act"] in ("relu", "gelu") and 8 <= arch["width"] <= 32 and arch["k"] in (1, 3, 5)
    assert type(arch["width"]) is int
    assert mean_max_theta(dist, opt.theta) == pytest.approx((1 / 2 + 1 / 3) / 2)  # act and k, uniform at the start


def test_the_vocabulary_is_asng_opts():
    import asng_nas
    import asng_opt

    assert asng_nas.Choice is asng_opt.Choice and asng_nas.IntRange is asng_opt.IntRange
    assert FloatRange is asng_opt.FloatRange
    inner = Space({"a.b": Choice([1, 2])}, w=IntRange(0, 8, step=2))
    space = SearchSpace(inner)
    assert space.space == inner and space.names == ["a.b", "w"] and space.variables["w"] == IntRange(0, 8, step=2)
    assert space.describe({"cat": np.array([1]), "int": np.array([3])}) == {"choices": {"a.b": 2, "w": 6}}
    with pytest.raises(ValueError, match="outside"):
        space.assignment({"cat": np.array([1]), "int": np.array([9])})
    assert repr(space).startswith("SearchSpace(Space({'a.b': Choice([1, 2])")


def test_enas_space_layout_is_unchanged():
    """Checkpoints written before the adoption of asng-opt's vocabulary still fit."""
    space = ENASSpace()
    m = [2, 2, 5, 5, 3, 3, 5, 5, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5] * 2
    assert space.make_distribution().spec() == Categorical(m).spec()


def test_space_rejects_duplicate_names_and_foreign_variables():
    with pytest.raises(ValueError, match="given twice"):
        SearchSpace({"a": Choice((1, 2))}, a=Choice((1, 2)))
    with pytest.raises(ValueError, match="not a Choice"):
        SearchSpace(a=(1, 2))
    with pytest.raises(ValueError, match="at least one variable"):
        SearchSpace()
