"""Review 6: ``opt.theta`` / ``opt.state`` do not hand out the optimizer's writable live arrays."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import ASNG, SNG, AdamNG, BlackBoxASNG, Categorical, Gaussian, Product


@pytest.mark.parametrize("cls", [ASNG, SNG, AdamNG, BlackBoxASNG])
def test_theta_and_state_arrays_are_read_only(cls):
    o = cls(Categorical([3] * 4), seed=0)
    c = o.ask()
    o.tell(c, np.arange(len(c), dtype=float))
    before = o.state_dict()
    with pytest.raises(ValueError, match="read-only"):
        o.theta[0] = [1.0, 0.0, 0.0]
    for v in o.state:
        if isinstance(v, np.ndarray):
            with pytest.raises(ValueError, match="read-only"):
                v[...] = 0
    after = o.state_dict()
    np.testing.assert_array_equal(before["state"]["theta"], after["state"]["theta"])
    edited = o.theta.copy()  # a copy is writable and free to edit
    edited[0] = [1.0, 0.0, 0.0]
    assert not np.array_equal(edited, o.theta)
    loaded = cls(Categorical([3] * 4))
    loaded.load_state_dict(o.state_dict())
    assert not loaded.theta.flags.writeable


def test_product_theta_dict_is_not_the_state():
    o = BlackBoxASNG(Product(c=Categorical([3]), g=Gaussian([0.0, 1.0], 1.0)), seed=0)
    for _ in range(3):
        c = o.ask()
        o.tell(c, c["g"].sum(1))
    th = o.theta
    th["c"] = np.array([[1.0, 0.0, 0.0]])  # editing the returned dict leaves the state alone
    assert not np.array_equal(o.theta["c"], th["c"])
    with pytest.raises(ValueError, match="read-only"):
        o.theta["g"][0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        o.state.C[0, 0] = 5.0


def test_a_given_theta_array_stays_writable_and_unaliased():
    prior = np.full((2, 3), 1 / 3)
    o = ASNG(Categorical([3, 3]), theta=prior, seed=0)
    assert prior.flags.writeable
    prior[0] = [1.0, 0.0, 0.0]
    np.testing.assert_allclose(o.theta[0], [1 / 3] * 3)
