"""BlackBoxASNG's elitist mutants (asng-opt 0.5): ``mutant_share`` of each stalled batch is mutations of
the elite, rejected mutants are left out of the update, ties go to a mutant, and the stall count and
the pending mutants are part of the state (resume is bit-identical at every point of a run)."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
from helpers import deep_equal

import asng_opt.blackbox.optimizer as bbo
from asng_opt import Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space
from asng_opt.blackbox import MUTANT_RAMP, MUTANT_STALL, MUTANTS_PER_SUCCESS, BlackBoxASNG

TARGET = np.arange(16) % 3


def hamming(c):
    return float(np.sum(c != TARGET))


def plateau(c):
    """Coarse: many ties, so the elite stalls and mutants join soon."""
    return float(np.sum(c != TARGET) // 4)


def run(opt, loss, tells):
    for _ in range(tells):
        x = opt.ask()
        opt.tell(x, [loss(c) for c in x])


# ---- the argument -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 0.0, -0.5, 1.5, math.nan, math.inf, "half", True, [0.5]])
def test_bad_mutant_share_is_refused(bad):
    with pytest.raises(ValueError, match="BlackBoxASNG: mutant_share must be"):
        BlackBoxASNG(Categorical([3] * 4), mutant_share=bad)


@pytest.mark.parametrize("earn", [True, False])
@pytest.mark.parametrize("share", [None, 0.01, 0.25, 0.5, 0.75, 1.0])
def test_number_of_mutants_over_the_whole_range(share, earn):
    """One once due, one more every MUTANT_RAMP updates without improvement, up to the share and
    never more than k - 2; with ``earn_mutants`` (asng-opt 0.12) never more than
    MUTANTS_PER_SUCCESS * (1 + earned)."""
    opt = BlackBoxASNG(Categorical([3] * 4), mutant_share=share, earn_mutants=earn)
    for earned in (0, 1, 2, 5, 40):
        opt._elitism.earned = earned
        for stall in range(MUTANT_STALL, MUTANT_STALL + 60):
            opt._elitism.stall = stall
            for k in range(1, 80):
                m = opt.n_mutants(k)
                if share is None or k < 3:
                    assert m == 1
                    continue
                assert 1 <= m <= k - 2  # at least two draws of p_theta stay in every batch
                ramp = 1 + (stall - MUTANT_STALL) // MUTANT_RAMP
                cap = MUTANTS_PER_SUCCESS * (1 + earned) if earn else k
                assert m == min(max(1, math.floor(share * k)), k - 2, ramp, cap)
                if stall == MUTANT_STALL:
                    assert m == 1
    assert opt.hyper()["mutant_share"] == share and opt.hyper()["earn_mutants"] is earn


# ---- the batches --------------------------------------------------------------------------------


@pytest.mark.parametrize("share", [0.25, 0.5, 1.0])
def test_stalled_batches_end_with_their_share_of_mutants_of_the_elite(share):
    opt = BlackBoxASNG(Categorical([3] * 16), lam=12, seed=0, mutant_share=share)
    run(opt, lambda c: 0.0, MUTANT_STALL + 12 * MUTANT_RAMP)  # a constant objective: the elite never improves
    x = opt.ask()
    m = opt.n_mutants(12)
    assert m == min(max(1, math.floor(share * 12)), 10) and len(opt._elitism.mutants) == m
    elite = opt.elite[0][0]
    for i in range(12 - m, 12):
        d = int(np.sum(x[i] != elite))
        assert 1 <= d <= 6  # a mutation: at least one variable changed, few of them (rate 1/16)
        assert np.array_equal(opt._elitism.mutants[i - 12 + m][0], x[i])


def test_rejected_mutants_are_left_out_and_ties_kept():
    opt = BlackBoxASNG(Categorical([3] * 16), lam=8, seed=1)
    run(opt, lambda c: 1.0, MUTANT_STALL + 1 + 3 * MUTANT_RAMP)
    x = opt.ask()
    m = opt.n_mutants(8)
    assert m == 4
    raw = opt._pending[1]
    f = np.array([5.0, 6.0, 7.0, 8.0, 2.0, 1.0, 0.5, 1.0])  # mutants: worse, tie, better, tie
    kept, fk = opt._elitism.without_rejected_mutants(raw, f, False)
    assert fk.tolist() == [5.0, 6.0, 7.0, 8.0, 1.0, 0.5, 1.0]
    assert np.array_equal(kept, np.delete(raw, 4, axis=0))
    elite = opt._elitism.elite
    opt._elitism.elite = (elite[0], -1.0)  # the same, maximised: -2 is worse than -1
    kept, fk = opt._elitism.without_rejected_mutants(raw, -f, True)
    assert fk.tolist() == [-5.0, -6.0, -7.0, -8.0, -1.0, -0.5, -1.0]
    opt._elitism.elite = elite
    # a sample in a mutant's place that is not that mutant (another batch) is never dropped
    other = raw.copy()
    other[4] = (other[4] + 1) % 3
    assert len(opt._elitism.without_rejected_mutants(other, f, False)[1]) == 8
    opt.tell(x, f)
    assert opt.elite[1] == 0.5 and opt._elitism.mutants == []


@pytest.mark.parametrize("maximize", [False, True])
def test_ties_go_to_a_mutant_with_the_share_rule_and_to_the_first_best_otherwise(maximize):
    """Among the batch's best ties a mutant wins with mutant_share (a neutral mutation is accepted:
    the elite walks across a plateau); without mutants in the batch, and with asng-opt 0.4's rule
    (mutant_share=None), the first of them."""
    sign = -1 if maximize else 1
    for share in (0.5, None):
        fresh = BlackBoxASNG(Categorical([3] * 8), lam=6, seed=0, mutant_share=share, maximize=maximize)
        x = fresh.ask()
        fresh.tell(x, sign * np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0]))
        assert np.array_equal(fresh.elite[0][0], x[1])  # no mutants yet: the first best
        opt = BlackBoxASNG(Categorical([3] * 8), lam=6, seed=0, mutant_share=share, maximize=maximize)
        run(opt, lambda c: sign * 5.0, MUTANT_STALL + 1)  # stalled: mutants in the next batch
        x = opt.ask()
        assert len(opt._elitism.mutants) == 1  # the last sample
        opt.tell(x, sign * np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0]))
        assert np.array_equal(opt.elite[0][0], x[5 if share is not None else 1])


def test_mutants_cross_a_plateau_faster_than_the_one_mutant_rule():
    """LeadingOnes (50 bits), a plateau after every solved prefix: with the default share the runs
    reach the optimum in fewer updates than with asng-opt 0.4's one mutant (measured, 12 seeds:
    124 vs 184 updates on average)."""

    def leading_ones(c):
        return float(len(c) - (np.argmin(c) if not np.all(c == 1) else len(c)))

    dist = Categorical([2] * 50)
    tells = {}
    for share in (0.5, None):
        used = []
        for seed in range(8):
            opt = BlackBoxASNG(dist, seed=seed, mutant_share=share)
            for t in range(400):
                x = opt.ask()
                f = [leading_ones(c) for c in x]
                if min(f) == 0:
                    break
                opt.tell(x, f)
            used.append(t)
        tells[share] = float(np.mean(used))
    assert tells[0.5] < 0.8 * tells[None]


def test_real_only_spaces_get_no_mutants():
    opt = BlackBoxASNG(Gaussian(np.zeros(3), 1.0), seed=0)
    run_real = [opt.ask() for _ in range(1)]
    for _ in range(MUTANT_STALL + 3):
        x = opt.ask()
        opt.tell(x, np.zeros(len(x)))
    assert run_real and opt._elitism.mutants == []


# ---- state --------------------------------------------------------------------------------------

SPACES = {
    "categorical": (Categorical([3] * 16), plateau),
    "space": (
        Space(a=Choice(["x", "y", "z"]), n=IntRange(0, 9), r=FloatRange(0.0, 1.0), b=Choice([0, 1])),
        lambda c: float((c["a"] != "y") + abs(c["n"] - 4) // 3 + (c["b"] == 0)) + round(c["r"], 1),
    ),
    "product": (
        Product(c=Categorical([3] * 6), z=Integer(-3, 3, size=3)),
        lambda s: float(np.sum(s["c"] != 1) // 2 + np.sum(np.abs(s["z"])) // 2),
    ),
}


def _losses(x, loss):
    if isinstance(x, dict):
        k = len(next(iter(x.values())))
        return [loss({key: v[j] for key, v in x.items()}) for j in range(k)]
    return [loss(c) for c in x]


# a fresh default optimizer takes the dict's settings (and warns which)
@pytest.mark.filterwarnings("ignore:BlackBoxASNG.load_state_dict:UserWarning")
@pytest.mark.parametrize("name", list(SPACES))
@pytest.mark.parametrize("share", [0.5, None])
def test_resume_is_bit_identical_from_every_point_of_a_run(name, share):
    """Saved after every tell and between every ask and its tell (mutants pending), through the
    stalls: a fresh optimizer loading the dict continues exactly as the original."""
    dist, loss = SPACES[name]
    ref = BlackBoxASNG(dist, seed=7, mutant_share=share)
    saves, asks, losses = [], [], []
    for _ in range(30):
        saves.append(pickle.dumps(ref.state_dict()))  # after a tell
        x = ref.ask()
        saves.append(pickle.dumps(ref.state_dict()))  # an ask pending, perhaps with mutants
        f = _losses(x, loss)
        asks.append(copy.deepcopy(x))
        losses.append(f)
        ref.tell(x, f)
    final = ref.state_dict()
    assert final["elitism"]["stall"] >= 0
    assert any(len(pickle.loads(s)["elitism"]["mutants"]) > 0 for s in saves)  # the run did stall
    for i in range(0, len(saves), 7):
        opt = BlackBoxASNG(dist, seed=123)
        opt.load_state_dict(pickle.loads(saves[i]))
        step = i // 2
        if i % 2:  # a pending ask: tell it
            opt.tell(asks[step], losses[step])
            step += 1
        for j in range(step, 30):
            x = opt.ask()
            assert deep_equal(x, asks[j])
            opt.tell(x, losses[j])
        assert deep_equal(opt.state_dict(), final)


def test_a_dict_of_0_4_loads_with_its_rule():
    """asng-opt 0.4 saved neither mutant_share nor the elitism counters: such a dict continues with
    one mutant per batch (0.4's rule) and a stall count of 0."""
    ref = BlackBoxASNG(Categorical([3] * 16), seed=3, mutant_share=None, earn_mutants=False)
    run(ref, plateau, 5)
    sd = ref.state_dict()
    old = {k: v for k, v in sd.items() if k != "elitism"}
    # nor the options added since (earn_mutants, 0.12: a state with it needs its count, in 'elitism')
    old["hyper"] = {k: v for k, v in sd["hyper"].items() if k not in ("mutant_share", "earn_mutants")}
    opt = BlackBoxASNG(Categorical([3] * 16), seed=0)  # default share 1.0
    opt.load_state_dict(old)
    assert opt.mutant_share is None and opt._elitism.stall == 0
    assert opt.state_dict()["hyper"] == sd["hyper"]


def _corrupt(sd, which):
    sd = copy.deepcopy(sd)
    bad = [
        ("elitism", 5),
        ("elitism", {"stall": 1}),
        ("elitism", {"stall": -1, "mutants": []}),
        ("elitism", {"stall": 1.5, "mutants": []}),
        ("elitism", {"stall": True, "mutants": []}),
        ("elitism", {"stall": 0, "mutants": "x"}),
        ("elitism", {"stall": 0, "mutants": [np.full((1, 16), 7)]}),  # category 7 of 3
        ("elitism", {"stall": 0, "mutants": [np.zeros((2, 16), dtype=int)]}),  # two samples
        ("elitism", {"stall": 0, "mutants": [], "extra": 1}),
    ][which]
    sd[bad[0]] = bad[1]
    return sd


@pytest.mark.parametrize("which", range(9))
def test_corrupt_elitism_is_refused_and_the_optimizer_unchanged(which):
    opt = BlackBoxASNG(Categorical([3] * 16), seed=3)
    run(opt, plateau, 6)
    before = opt.state_dict()
    with pytest.raises(ValueError, match="invalid 'elitism'"):
        opt.load_state_dict(_corrupt(before, which))
    assert deep_equal(opt.state_dict(), before)


def test_mutant_stall_is_read_at_each_ask(monkeypatch):
    monkeypatch.setattr(bbo, "MUTANT_STALL", 0)
    opt = BlackBoxASNG(Categorical([3] * 16), lam=8, seed=0)
    run(opt, lambda c: 1.0, 1)
    opt.ask()
    assert len(opt._elitism.mutants) == 1  # from the second batch on
    opt.tell(opt._pending[1], np.ones(8))
    run(opt, lambda c: 1.0, 3 * MUTANT_RAMP)
    opt.ask()
    assert opt._elitism.stall == 1 + 3 * MUTANT_RAMP and len(opt._elitism.mutants) == 4  # the ramp


# a fresh default optimizer takes the dict's settings (and warns which)
@pytest.mark.filterwarnings("ignore:BlackBoxASNG.load_state_dict:UserWarning")
def test_saved_mutants_must_be_the_pending_asks_tail():
    """Mutants that are not the pending ask's last samples (or with no ask pending) are refused: a
    later tell would leave real draws out of the update."""
    opt = BlackBoxASNG(Categorical([3] * 16), lam=8, seed=2)
    run(opt, lambda c: 1.0, MUTANT_STALL + 1 + 3 * MUTANT_RAMP)
    opt.ask()
    sd = opt.state_dict()
    assert len(sd["elitism"]["mutants"]) == 4
    fresh = BlackBoxASNG(Categorical([3] * 16), seed=0)
    before = fresh.state_dict()
    swapped = copy.deepcopy(sd)
    swapped["elitism"]["mutants"] = swapped["elitism"]["mutants"][::-1]
    no_ask = copy.deepcopy(sd)
    no_ask["pending"] = None
    too_many = copy.deepcopy(sd)
    too_many["elitism"]["mutants"] = [sd["pending"][1][i : i + 1] for i in range(8)]
    for bad in (swapped, no_ask, too_many):
        with pytest.raises(ValueError, match="invalid 'elitism'"):
            fresh.load_state_dict(bad)
        assert deep_equal(fresh.state_dict(), before)
    fresh.load_state_dict(sd)  # the genuine one loads
    assert len(fresh._elitism.mutants) == 4


def test_an_elite_of_several_samples_is_refused():
    opt = BlackBoxASNG(Categorical([3] * 4), seed=0)
    run(opt, hamming_4 := (lambda c: float(np.sum(c))), 2)
    sd = opt.state_dict()
    sd["elite"] = (np.zeros((2, 4), dtype=int), 0.0)
    before = opt.state_dict()
    with pytest.raises(ValueError, match="invalid 'elite': must be one sample"):
        opt.load_state_dict(sd)
    assert deep_equal(opt.state_dict(), before) and hamming_4 is not None


def test_rejecting_mutants_keeps_two_samples():
    """An asked batch keeps at least two draws of p_theta (n_mutants <= k - 2); a batch told with
    fewer draws before its mutants (here 1 of 7), all of them worse, is kept whole rather than
    left with one sample (the ranking needs two)."""
    opt = BlackBoxASNG(Categorical([3] * 16), lam=8, seed=0, elitist=False, mutant_share=1.0)
    run(opt, lambda c: 1.0, MUTANT_STALL + 1 + 8 * MUTANT_RAMP)
    x = opt.ask()
    assert opt.n_mutants(8) == 6
    raw = opt._pending[1]
    kept, fk = opt._elitism.without_rejected_mutants(raw, np.array([0.0, 1.0] + [5.0] * 6), False)
    assert len(fk) == 2 and np.array_equal(kept, raw[:2])
    kept, fk = opt._elitism.without_rejected_mutants(raw[1:], np.array([0.0] + [5.0] * 6), False)
    assert len(fk) == 7 and np.array_equal(kept, raw[1:])
    opt.tell(x, [1.0] + [5.0] * 7)
    assert opt.t == MUTANT_STALL + 2 + 8 * MUTANT_RAMP


def test_a_restart_copies_the_elite():
    from asng_opt.blackbox import restart

    opt = BlackBoxASNG(Categorical([3] * 16), seed=0)
    run(opt, hamming, 3)
    new = restart(opt)
    assert deep_equal(new.elite, opt.elite) and new.elite[0] is not opt.elite[0]
    new.elite[0][0, 0] = (new.elite[0][0, 0] + 1) % 3
    assert not deep_equal(new.elite, opt.elite)
