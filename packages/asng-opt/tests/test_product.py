import numpy as np
import pytest
from helpers import random_theta
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, Product


def make():
    return Product(ops=Categorical([5, 5, 3]), width=Integer([1, 64], [3, 256]), lr=Gaussian(0.0, 1.0))


def test_sizes_and_layout():
    p = make()
    assert p.n_theta == (4 + 4 + 2) + 4 + 2
    s = p.sample(p.theta, 3, np.random.default_rng(0))
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
    bad = p.decode(p.sample(p.theta, 2, np.random.default_rng(0)))
    bad["ops"] = bad["ops"][:1]
    with pytest.raises(ValueError, match="different numbers"):
        p.check_samples(bad)
