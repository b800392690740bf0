"""A told batch that differs from the ask (asng-opt 0.13): BlackBoxASNG recognises each told
sample by its value (``asng_opt._pending.asked_rows``), so a batch told in another order, with
samples dropped, added, or of one's own keeps its mutants recognised (left out when worse than the
elite, counted in ``Elitism.earned``), and every sample that no ask drew (a foreign one) enters
the CMA-ES steps clipped, as the elite and the mutants do."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, Choice, Gaussian, Integer, IntRange, Product, Space
from asng_opt.blackbox import MUTANT_RAMP, MUTANT_STALL, BlackBoxASNG

DISTS = [Categorical([3] * 12), Integer(0, 40, size=6), Product(c=Categorical([2] * 4), z=Integer(-9, 9, size=3))]
IDS = ["categorical", "integer", "mixed"]


def _rows(x, idx):
    """Samples ``idx`` of a batch (an array, a dict of them, or a list of configurations)."""
    if isinstance(x, list):
        return [x[i] for i in idx]
    if isinstance(x, dict):
        return {k: _rows(v, idx) for k, v in x.items()}
    return np.asarray(x)[list(idx)]


def _stall_until_two_mutants(opt, value=5.0):
    """Tell constant losses (every mutant worse) until the pending asks hold two mutants."""
    for _ in range(MUTANT_STALL + 4 * MUTANT_RAMP):
        x = opt.ask()
        f = np.full(opt.lam, value)
        f[opt.lam - len(opt._elitism.mutants) :] = value + 1.0
        opt.tell(x, f)


def _spy_update(opt):
    """Record what each update receives: ``(raw, weights)``."""
    seen = []
    update = opt._update

    def spy(state, raw, weights):
        seen.append((raw, weights))
        return update(state, raw, weights)

    opt._update = spy
    return seen


def _two_distinct_mutants(dist):
    """An optimizer (lam = 12, the first seed from 0 that gives one) whose pending ask's last two
    samples are mutants equal to no other sample of the batch, and that batch: a told sample is
    recognised by its value, so a mutant equal to a draw of p_theta cannot be told apart from it
    (with ``int_steps="harmonic-uniform"`` seed 0 gave such a pair on the mixed space)."""
    for seed in range(20):
        opt = BlackBoxASNG(dist, lam=12, seed=seed)
        _stall_until_two_mutants(opt)
        x = opt.ask()
        rows = [np.concatenate([np.ravel(_rows(x, [i])[k]) for k in sorted(x)]) if isinstance(x, dict)
                else np.ravel(_rows(x, [i])) for i in range(12)]  # fmt: skip
        if all(not np.array_equal(rows[j], rows[i]) for j in (10, 11) for i in range(12) if i != j):
            return opt, x
    raise AssertionError("no seed in 0-19 gave two mutants unlike the rest of their batch")


def _appended(x, y):
    """Batch ``x`` with the samples of batch ``y`` after its own."""
    if isinstance(x, dict):
        return {k: _appended(v, y[k]) for k, v in x.items()}
    return np.concatenate([x, y])


def _n(raw):
    while isinstance(raw, dict):
        raw = next(iter(raw.values()))
    return len(raw)


@pytest.mark.parametrize("dist", DISTS, ids=IDS)
@pytest.mark.parametrize("order", ["partial", "partial-reversed", "foreign-added"])
def test_a_batch_that_differs_from_the_ask_keeps_its_mutants(dist, order):
    """Mutant 0 wins (a success: earned counts it), mutant 1 is worse than the elite (left out of
    the update), whatever the batch's order and wherever samples were dropped or added."""
    opt, x = _two_distinct_mutants(dist)
    k, m = 12, len(opt._elitism.mutants)
    assert m == 2 and opt._elitism.earned == 0
    f = np.full(k, 5.0)
    f[k - 2], f[k - 1] = 1.0, 9.0
    idx = {"partial": [0, 2, 3, 5, 6, 10, 11], "partial-reversed": [11, 10, 6, 5, 3, 2, 0]}.get(order, list(range(k)))
    told, ft = _rows(x, idx), f[idx]
    if order == "foreign-added":  # a sample of one's own (the elite's value) joins at the end
        told, ft = _appended(told, dist.decode(opt.elite[0])), np.append(ft, 5.0)
    seen = _spy_update(opt)
    opt.tell(told, ft)
    assert opt._elitism.earned == 1 and opt.elite[1] == 1.0
    raw, (w_cat, _w_real, _w_gauss, injected, _w_neg) = seen[0]
    n_told = len(ft)
    assert _n(raw) == n_told - 1 + 1  # the worse mutant left out, the elite's copy added
    assert len(w_cat) == n_told and int(np.sum(injected)) == 1 + 1 + (order == "foreign-added")


def test_a_space_batch_told_in_part_keeps_its_mutants():
    space = Space(a=Choice(["x", "y", "z"]), b=Choice([0, 1, 2, 3]), n=IntRange(0, 9), c=Choice(list("pqrs")))
    opt = BlackBoxASNG(space, lam=12, seed=2)
    _stall_until_two_mutants(opt)
    cfgs = opt.ask()
    assert len(opt._elitism.mutants) == 2
    f = np.full(12, 5.0)
    f[10], f[11] = 9.0, 1.0
    idx = [11, 1, 10, 4, 7, 0]
    opt.tell([dict(cfgs[i]) for i in idx], f[idx])  # copies: encoded, matched by value
    assert opt._elitism.earned == 1 and opt.elite[1] == 1.0


def test_an_exact_batch_marks_the_same_mutants_as_before():
    """The ask's own batch, in order or not, is recognised as before (rows 0..k-1)."""
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=0)
    _stall_until_two_mutants(opt)
    x = opt.ask()
    seen = _spy_update(opt)
    f = np.full(12, 5.0)
    f[11] = 9.0
    perm = np.random.default_rng(0).permutation(12)
    opt.tell(x[perm], f[perm])
    raw, (*_w, injected, _w_neg) = seen[0]
    assert _n(raw) == 12 and injected.tolist() == [False] * 10 + [True, True]


# ---- foreign samples are clipped -----------------------------------------------------------------


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
def test_a_foreign_sample_enters_the_cma_step_clipped(covariance):
    """A far point of one's own, told with the ask's batch, moves the mean at most a clipped
    step's share (c_y in C's metric), not its full length; without clip_injected it pulls the
    mean hundreds of sigmas away."""
    means = {}
    for clip in (True, False):
        opt = BlackBoxASNG(Gaussian(np.zeros(4), 1.0), seed=0, covariance=covariance, clip_injected=clip)
        x = opt.ask()
        far = np.full((1, 4), 1e3)
        seen = _spy_update(opt)
        opt.tell(np.vstack([x, far]), np.append(np.arange(len(x), 0, -1.0), 0.0))  # the far point is best
        injected = seen[0][1][3]
        if clip:
            assert injected.tolist() == [False] * len(x) + [True, True]  # the foreign sample, the elite's copy
        means[clip] = opt.distribution.mean_sigma(np.asarray(opt.theta))[0]
    assert np.all(np.abs(means[True]) < 5.0) and np.all(means[False] > 100.0)


def test_a_sample_of_an_earlier_ask_is_foreign_and_the_asked_ones_are_draws():
    opt = BlackBoxASNG(Gaussian(np.zeros(3), 1.0), seed=1)
    old = opt.ask()
    x = opt.ask()  # the pending ask: `old` is no longer asked
    seen = _spy_update(opt)
    opt.tell(np.vstack([x[:3], old[:1]]), [1.0, 2.0, 3.0, 4.0])
    assert seen[0][1][3].tolist() == [False, False, False, True, True]


# ---- the matching ----------------------------------------------------------------------------------


def test_match_each_matches_a_multiset_sample_by_sample():
    from asng_opt._match import match_each, match_rows

    pending = np.array([[0, 1], [2, 3], [0, 1], [4, 5]])
    told = np.array([[0, 1], [9, 9], [0, 1], [0, 1], [4, 5]])
    assert match_each(told, pending).tolist() == [0, -1, 2, -1, 3]
    assert match_each(told[:0], pending).tolist() == []
    assert match_each(np.zeros((2, 3)), pending) is None  # another shape: nothing can match
    d = {"a": pending, "b": pending[:, :1]}
    assert match_each({"a": told[1:3], "b": told[1:3, :1]}, d).tolist() == [-1, 0]
    assert match_each({"a": told}, d) is None
    # match_rows keeps its answer: a permutation of the whole batch, else None
    assert match_rows(pending[[3, 0, 2, 1]], pending).tolist() == [3, 0, 2, 1]
    assert match_rows(told[:4], pending) is None


def test_match_each_confirms_values_beyond_float64():
    """Keys are float64 bytes: integers beyond 2^53 that share a key are told apart by value."""
    from asng_opt._match import match_each

    big = 2**60
    pending = np.array([[big]], dtype=np.int64)
    assert match_each(np.array([[big + 1]], dtype=np.int64), pending).tolist() == [-1]
    assert match_each(np.array([[big]], dtype=np.int64), pending).tolist() == [0]
