"""Review 6: an optimizer's own state_dict always loads (gamma one ulp above 1, a pending ask of
1-2 samples with a mutant) and BlackBoxASNG's restart count survives a save / load."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import ASNG, BlackBoxASNG, Categorical, Integer
from asng_opt.blackbox import restart


def test_gamma_rounded_above_one_loads_asng():
    dist = Categorical([2, 2])
    # a pure-noise objective: gamma rounds to 1 + 1 ulp within 400 tells for a few seeds in 40
    # (which ones depends on the CPU's floating point: 16 at tell 129 on one machine, at 184 on another)
    for seed in range(40):
        o = ASNG(dist, lam=4, seed=seed)
        rng = np.random.default_rng(seed)
        for _ in range(400):
            c = o.ask()
            o.tell(c, rng.normal(size=4))
            if o.state.gamma > 1.0:
                break
        if o.state.gamma > 1.0:
            break
    assert o.state.gamma > 1.0  # the case of the review (the update itself is unchanged)
    o2 = ASNG(dist, lam=4)
    o2.load_state_dict(o.state_dict())
    assert o2.state.gamma == o.state.gamma
    c1, c2 = o.ask(), o2.ask()
    np.testing.assert_array_equal(c1, c2)
    o.tell(c1, [1.0, 2.0, 3.0, 4.0])
    o2.tell(c2, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(o.theta, o2.theta)


@pytest.mark.parametrize("cls", [ASNG, BlackBoxASNG])
def test_gamma_slightly_above_one_accepted_far_above_refused(cls):
    o = cls(Categorical([3]), lam=4, seed=0)
    st = o.state_dict()
    st["state"]["gamma"] = float(np.nextafter(1.0, 2.0))
    cls(Categorical([3]), lam=4).load_state_dict(st)
    st["state"]["gamma"] = 1.01
    with pytest.raises(ValueError, match="gamma"):
        cls(Categorical([3]), lam=4).load_state_dict(st)


def _stalled(lam, seed=0):
    o = BlackBoxASNG(Categorical([3] * 4), lam=lam, seed=seed)
    for _ in range(4):  # a plateau: the elite stalls and mutants become due
        c = o.ask()
        o.tell(c, np.ones(len(c)))
    return o


@pytest.mark.parametrize(("lam", "n"), [(2, None), (8, 1), (8, 2)])
def test_pending_small_batch_with_mutant_loads(lam, n):
    o = _stalled(lam)
    c = o.ask(n)
    assert o._elitism.mutants  # the batch holds a mutant (the case of the review)
    o2 = BlackBoxASNG(Categorical([3] * 4), lam=lam)
    o2.load_state_dict(o.state_dict())
    if len(c) >= 2:  # the same tell, bit-identical
        o.tell(c, np.arange(len(c), dtype=float))
        o2.tell(c, np.arange(len(c), dtype=float))
        np.testing.assert_array_equal(o.theta, o2.theta)
    np.testing.assert_array_equal(o.ask(), o2.ask())


def test_too_many_mutants_still_refused():
    o = _stalled(2)
    o.ask()
    st = o.state_dict()
    st["elitism"]["mutants"] = st["elitism"]["mutants"] * 2
    with pytest.raises(ValueError, match="mutant"):
        BlackBoxASNG(Categorical([3] * 4), lam=2).load_state_dict(st)


def _sig2(o):
    return o.theta[:, 1] - o.theta[:, 0] ** 2


def test_n_restarts_saved_and_loaded():
    dist = Integer(0, 100, size=2)
    o = BlackBoxASNG(dist, seed=0)
    c = o.ask()
    o.tell(c, np.abs(c - 30).sum(1).astype(float))
    o = restart(restart(restart(o)))
    assert o.n_restarts == 3
    o2 = BlackBoxASNG(dist)
    o2.load_state_dict(o.state_dict())
    assert o2.n_restarts == 3
    np.testing.assert_array_equal(_sig2(restart(o)), _sig2(restart(o2)))


def test_n_restarts_absent_loads_as_zero_and_bad_refused():
    o = BlackBoxASNG(Categorical([3]), seed=0)
    o.n_restarts = 2
    st = o.state_dict()
    del st["n_restarts"]  # a dict of asng-opt <= 0.6.0
    o2 = BlackBoxASNG(Categorical([3]))
    o2.n_restarts = 5
    o2.load_state_dict(st)
    assert o2.n_restarts == 0
    before = o2.state_dict()
    for bad in (-1, 1.5, True, "2"):
        st["n_restarts"] = bad
        with pytest.raises(ValueError, match="n_restarts"):
            o2.load_state_dict(st)
    assert o2.n_restarts == 0 and o2.state_dict()["t"] == before["t"]
