import numpy as np
import pytest
from helpers import random_theta
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, Categorical, Gaussian, Integer, Product


def make():
    return Product(ops=Categorical([5, 5, 3]), width=Integer([1, 64], [3, 256]), lr=Gaussian(0.0, 1.0))


def test_sizes_and_layout():
    p = make()
    assert p.n_theta == (4 + 4 + 2) + 4 + 2
    s = p.sample(p.initial_theta(), 3, np.random.default_rng(0))
    assert set(s) == {"ops", "width", "lr"}
    assert s["ops"].shape == (3, 3) and s["width"].shape == (3, 2) and s["lr"].shape == (3, 1)
    dec = p.decode(s)
    assert dec["width"].dtype == np.int64 and dec["ops"].dtype.kind == "i"


def test_fisher_is_block_diagonal_of_parts():
    p = make()
    th = random_theta(p, np.random.default_rng(1))
    F = p.fisher_matrix(th)
    i = 0
    for k, part in p.parts.items():
        n = part.n_theta
        assert np.allclose(F[i : i + n, i : i + n], part.fisher_matrix(th[k]))
        assert np.all(F[i : i + n, i + n :] == 0)
        i += n


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_one_norm_and_parts_updated_together(seed):
    p = make()
    rng = np.random.default_rng(seed)
    th = random_theta(p, rng)
    g = rng.standard_normal(p.n_theta)
    F = p.fisher_matrix(th)
    v = p.fisher_sqrt(th, g)
    assert np.isclose(v @ v, g @ F @ g, rtol=1e-9)
    new = p.step(th, 0.01 * g)
    for k, part in p.parts.items():
        sl = p._slices[k]
        assert np.allclose(new[k], part.step(th[k], 0.01 * g[sl]))


def test_constructor_and_sample_errors():
    with pytest.raises(ValueError, match="at least one part"):
        Product()
    with pytest.raises(ValueError, match="not an asng_opt distribution"):
        Product(a=[1, 2])
    p = make()
    with pytest.raises(ValueError, match="keys"):
        p.check_samples({"ops": np.zeros((2, 3), int)})
    bad = p.decode(p.sample(p.initial_theta(), 2, np.random.default_rng(0)))
    bad["ops"] = bad["ops"][:1]
    with pytest.raises(ValueError, match="different numbers"):
        p.check_samples(bad)


def test_mode_probabilities_per_distribution():
    rng = np.random.default_rng(2)
    cat = Categorical([5, 2, 3])
    # the start: 1/m for each variable
    assert np.allclose(cat.mode_probabilities(cat.initial_theta()), [1 / 5, 1 / 2, 1 / 3], rtol=1e-15, atol=0)
    th = random_theta(cat, rng)
    assert np.array_equal(cat.mode_probabilities(th), th.max(-1))
    # batched: B + (n_cat,)
    batch = np.stack([random_theta(cat, rng) for _ in range(6)]).reshape(2, 3, 3, 5)
    assert cat.mode_probabilities(batch).shape == (2, 3, 3)
    assert np.array_equal(cat.mode_probabilities(batch), batch.max(-1))
    # no categorical variable: B + (0,)
    for d in (Gaussian([0.0, 1.0], 1.0), Integer([1, 64], [3, 256])):
        got = d.mode_probabilities(d.initial_theta())
        assert got.shape == (0,)
        assert d.mode_probabilities(d.initial_theta((4, 2))).shape == (4, 2, 0)
    # a Product: the parts' values concatenated in the order of the parts
    p = Product(a=Categorical([3, 3]), g=Gaussian(0.0, 1.0), b=Categorical([4]), i=Integer(0, 9))
    th = random_theta(p, rng)
    got = p.mode_probabilities(th)
    assert got.shape == (3,)
    assert np.array_equal(got, np.concatenate([th["a"].max(-1), th["b"].max(-1)]))
    thb = p.initial_theta((5,))
    assert p.mode_probabilities(thb).shape == (5, 3)
    assert np.allclose(p.mode_probabilities(thb), [[1 / 3, 1 / 3, 1 / 4]] * 5, rtol=1e-15, atol=0)
    # nested Products flatten the same way, and a Product without categorical variables gives (0,)
    nested = Product(x=Product(c=Categorical([2])), y=Categorical([5]))
    assert np.allclose(nested.mode_probabilities(nested.initial_theta()), [1 / 2, 1 / 5], rtol=1e-15, atol=0)
    none = Product(g=Gaussian(0.0, 1.0), i=Integer(0, 9))
    assert none.mode_probabilities(none.initial_theta()).shape == (0,)
    # at an optimizer's theta (here a prior, checked and projected): max_k theta_ik of that theta
    d = Categorical([3, 3, 3], theta_min=0.01)
    opt = ASNG(d, theta=np.array([[1.0, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1.0]]))
    assert np.allclose(d.mode_probabilities(opt.theta), [0.98, 0.5, 0.98], rtol=1e-12, atol=0)
    assert np.array_equal(d.mode_probabilities(opt.theta), opt.theta.max(-1))
