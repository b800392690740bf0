"""Mutants earn their share (asng-opt 0.12, ``BlackBoxASNG(earn_mutants=True)``): beyond two per
batch, the ramp of elitist mutants grows only by MUTANTS_PER_SUCCESS for each tell whose new elite
was one of its mutants (Elitism.earned); the count is part of the state."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import Categorical, Integer, Product
from asng_opt.blackbox import MUTANT_RAMP, MUTANT_STALL, MUTANTS_PER_SUCCESS, BlackBoxASNG


def _losses(opt, base, mutant_loss):
    """Losses for the pending ask: ``base`` for the distribution's draws, ``mutant_loss(i)`` for
    its i-th mutant (the batch's last samples)."""
    k, m = opt.lam, len(opt._elitism.mutants)
    f = np.full(k, float(base))
    for i in range(m):
        f[k - m + i] = mutant_loss(i)
    return f


def _stall_until_mutants(opt, value=5.0):
    """Tell constant losses (the first tell sets the elite at ``value``) until the ramp would give
    the whole batch's mutants; every mutant worse than the elite."""
    for _ in range(MUTANT_STALL + 20 * MUTANT_RAMP):
        x = opt.ask()
        opt.tell(x, _losses(opt, value, lambda i: value + 1.0))


@pytest.mark.parametrize(
    "dist",
    [Categorical([3] * 12), Integer(0, 40, size=6), Product(c=Categorical([2] * 4), z=Integer(-9, 9, size=3))],
    ids=["categorical", "integer", "mixed"],
)
def test_failing_mutants_stay_at_two_per_batch_and_a_success_earns_two_more(dist):
    opt = BlackBoxASNG(dist, lam=12, seed=0)
    _stall_until_mutants(opt)
    assert opt._elitism.earned == 0 and opt._elitism.stall > MUTANT_STALL + 10 * MUTANT_RAMP
    x = opt.ask()
    assert len(opt._elitism.mutants) == MUTANTS_PER_SUCCESS  # the ramp alone would give 10
    opt.tell(x, _losses(opt, 5.0, lambda i: 1.0 if i == 0 else 9.0))  # a mutant wins
    assert opt._elitism.earned == 1 and opt._elitism.stall == 0
    _stall_until_mutants(opt, 1.0)
    opt.ask()
    assert len(opt._elitism.mutants) == 2 * MUTANTS_PER_SUCCESS
    unearned = BlackBoxASNG(dist, lam=12, seed=0, earn_mutants=False)  # asng-opt 0.11's ramp
    _stall_until_mutants(unearned)
    unearned.ask()
    assert len(unearned._elitism.mutants) == 10


def test_what_counts_as_a_success():
    """A mutant that becomes the elite counts (better, or tying it and chosen by the tie rule); a
    draw of the distribution that becomes the elite does not, nor does a refused tell."""
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=1)
    _stall_until_mutants(opt)
    x = opt.ask()
    m = len(opt._elitism.mutants)
    assert m == 2
    opt.tell(x, _losses(opt, 5.0, lambda i: 5.0 if i == 1 else 7.0))  # a tie: the mutant walks
    assert opt._elitism.earned == 1 and np.array_equal(opt.elite[0][0], x[-1])
    _stall_until_mutants(opt)
    x = opt.ask()
    f = _losses(opt, 5.0, lambda i: 7.0)
    f[0] = 2.0  # the distribution's draw wins
    opt.tell(x, f)
    assert opt._elitism.earned == 1 and opt.elite[1] == 2.0
    _stall_until_mutants(opt, 2.0)
    x = opt.ask()
    before = opt.state_dict()
    bad = _losses(opt, 2.0, lambda i: 0.5)
    bad[0] = np.nan
    with pytest.raises(ValueError):
        opt.tell(x, bad)
    assert deep_equal(opt.state_dict(), before) and opt._elitism.earned == 1


def test_earned_is_saved_and_resumes_bit_identically():
    dist = Product(c=Categorical([2] * 6), z=Integer(0, 30, size=4))

    def loss(x):
        # coarse: ties are common, so mutants take the elite's place (the tie rule) and earn
        return np.floor((np.sum(x["c"], axis=1) + np.sum(np.abs(np.asarray(x["z"]) - 17.0), axis=1)) / 4)

    opt = BlackBoxASNG(dist, seed=3)
    for _ in range(150):
        x = opt.ask()
        opt.tell(x, loss(x))
    assert opt._elitism.earned > 0 and opt.state_dict()["elitism"]["earned"] == opt._elitism.earned
    twin = BlackBoxASNG(dist, seed=99)
    twin.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert twin._elitism.earned == opt._elitism.earned
    for _ in range(60):
        a, b = opt.ask(), twin.ask()
        assert all(np.array_equal(a[k], b[k]) for k in a)
        opt.tell(a, loss(a))
        twin.tell(b, loss(b))
    assert deep_equal(opt.state_dict(), twin.state_dict())


def test_a_dict_of_0_11_loads_with_the_rule_it_ran_with():
    """No ``earn_mutants`` in its hyper-parameters and no ``earned`` count: it loads with
    earn_mutants=False and continues as 0.11 did."""
    dist = Categorical([3] * 12)
    old_opt = BlackBoxASNG(dist, lam=12, seed=5, earn_mutants=False)
    _stall_until_mutants(old_opt)
    state = copy.deepcopy(old_opt.state_dict())
    del state["hyper"]["earn_mutants"]
    del state["elitism"]["earned"]
    loaded = BlackBoxASNG(dist, lam=12, seed=6)
    loaded.load_state_dict(state)
    assert loaded.earn_mutants is False and loaded._elitism.earned == 0
    for _ in range(5):
        a, b = old_opt.ask(), loaded.ask()
        assert np.array_equal(a, b) and len(loaded._elitism.mutants) == 10
        old_opt.tell(a, _losses(old_opt, 5.0, lambda i: 6.0))
        loaded.tell(b, _losses(loaded, 5.0, lambda i: 6.0))


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None, np.nan])
def test_a_bad_saved_count_is_refused_and_changes_nothing(bad):
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=7)
    _stall_until_mutants(opt)
    state = copy.deepcopy(opt.state_dict())
    state["elitism"]["earned"] = bad
    before = opt.state_dict()
    with pytest.raises(ValueError, match="invalid 'elitism'.*'earned' must be an integer >= 0"):
        opt.load_state_dict(state)
    assert deep_equal(opt.state_dict(), before)


@pytest.mark.parametrize("bad", ["yes", 1, None, 0.0])
def test_earn_mutants_is_a_checked_flag(bad):
    with pytest.raises(ValueError, match="earn_mutants must be True or False"):
        BlackBoxASNG(Categorical([3] * 4), earn_mutants=bad)


def test_a_state_with_the_rule_needs_its_count_and_at_most_one_success_per_tell():
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=8)
    _stall_until_mutants(opt)
    before = opt.state_dict()
    missing = copy.deepcopy(before)
    del missing["elitism"]["earned"]  # earn_mutants=True in its hyper: the count matters
    with pytest.raises(ValueError, match="'earned' .* is missing"):
        opt.load_state_dict(missing)
    too_many = copy.deepcopy(before)
    too_many["elitism"]["earned"] = before["t"] + 1
    with pytest.raises(ValueError, match="exceeds the updates made"):
        opt.load_state_dict(too_many)
    assert deep_equal(opt.state_dict(), before)
    at_most = copy.deepcopy(before)
    at_most["elitism"]["earned"] = before["t"]
    opt.load_state_dict(at_most)
    assert opt._elitism.earned == before["t"]


def test_a_failed_update_counts_nothing_and_leaves_no_trace(monkeypatch):
    """A tell whose update raises after the elite was proposed (a mutant's) commits nothing; the
    next tell, won by a draw of the distribution, does not count either."""
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=9)
    _stall_until_mutants(opt)
    x = opt.ask()
    before = opt.state_dict()

    def broken(*args, **kwargs):
        raise FloatingPointError("a step that failed")

    with monkeypatch.context() as m:
        m.setattr(opt, "_update", broken)
        with pytest.raises(FloatingPointError):
            opt.tell(x, _losses(opt, 5.0, lambda i: 1.0))  # a mutant would have won
    assert opt._elitism.earned == 0
    f = _losses(opt, 5.0, lambda i: 9.0)
    f[0] = 2.0
    opt.tell(x, f)
    assert opt._elitism.earned == 0 and opt.elite[1] == 2.0 and before["t"] + 1 == opt.t


def test_a_kept_whole_batch_counts_and_a_restart_counts_again_from_zero():
    from asng_opt.blackbox import restart

    opt = BlackBoxASNG(Integer(0, 40, size=4), lam=2, seed=10)  # lambda = 2: batches kept whole
    x = opt.ask()
    opt.tell(x, [5.0, 5.0])
    for _ in range(MUTANT_STALL + 2):
        x = opt.ask()
        opt.tell(x, [6.0, 6.0])
    x = opt.ask()
    assert len(opt._elitism.mutants) == 1
    opt.tell(x, [6.0, 1.0])  # the batch's second sample is the mutant
    assert opt._elitism.earned == 1
    new = restart(opt)
    assert new._elitism.earned == 0 and new.earn_mutants is True and new.elite[1] == 1.0


@pytest.mark.parametrize("flag", [True, np.True_])
def test_the_count_is_required_however_the_saved_flag_is_spelt(flag):
    """A newcomer's cases: a numpy True in the saved hyper-parameters needs the count as a Python
    True does, and a state with the rule but without its 'elitism' entry is refused too."""
    opt = BlackBoxASNG(Categorical([3] * 12), lam=12, seed=11)
    _stall_until_mutants(opt)
    before = opt.state_dict()
    for drop in ("earned", "elitism"):
        state = copy.deepcopy(before)
        state["hyper"]["earn_mutants"] = flag
        if drop == "earned":
            del state["elitism"]["earned"]
        else:
            state["elitism"] = None
        with pytest.raises(ValueError, match="invalid 'elitism'.*earn_mutants=True"):
            opt.load_state_dict(state)
        assert deep_equal(opt.state_dict(), before)


def test_a_saved_union_loads_with_numpy_true_flags():
    """The union's check read the saved flags with ``is True``: a numpy True (which the constructor
    accepts) made it refuse a valid state."""
    from test_blackbox_mutants import TARGET, plateau, run  # noqa: F401

    opt = BlackBoxASNG(Categorical([3] * 16), lam=12, seed=0)
    for _ in range(400):
        run(opt, plateau, 1)
        if opt._elitism.union is not None:
            break
    assert opt._elitism.union is not None
    state = copy.deepcopy(opt.state_dict())
    state["hyper"]["mutant"] = np.True_
    state["hyper"]["neutral_union"] = np.True_
    twin = BlackBoxASNG(Categorical([3] * 16), lam=12, seed=1)
    twin.load_state_dict(state)
    assert twin._elitism.union is not None
