"""Every public entry that takes a number of samples refuses one beyond MAX_SAMPLES (2**31 - 1)
with a ValueError naming it, before anything is drawn or changed (a newcomer's report: lam = 2**70
was accepted and the first ask failed in numpy, "Maximum allowed dimension exceeded").
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, SNG, AdamNG, Categorical, Gaussian, Integer, Product, minimize
from asng_opt._checks import MAX_SAMPLES
from asng_opt.blackbox import BlackBoxASNG

CLASSES = (ASNG, SNG, AdamNG, BlackBoxASNG)


def _dist():
    return Product({"c": Categorical([3, 2]), "z": Integer([0], [9]), "r": Gaussian(2)})


def test_the_bound_is_two_to_the_31_minus_one():
    assert MAX_SAMPLES == 2**31 - 1


@pytest.mark.parametrize("cls", CLASSES)
@settings(max_examples=20, deadline=None)
@given(lam=st.one_of(st.integers(MAX_SAMPLES + 1, 2**80), st.integers(-(2**80), 1)))
def test_constructors_refuse_a_lam_outside_2_to_max(cls, lam):
    with pytest.raises(ValueError, match=r"lam must be an integer >= 2 .*at most 2\*\*31 - 1"):
        cls(_dist(), lam=lam)


@pytest.mark.parametrize("cls", CLASSES)
def test_constructors_accept_the_bound_itself(cls):
    assert cls(_dist(), lam=MAX_SAMPLES).lam == MAX_SAMPLES  # nothing is drawn at construction
    assert cls(_dist(), lam=np.int64(MAX_SAMPLES)).lam == MAX_SAMPLES


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("n", [MAX_SAMPLES + 1, 2**40, 2**70, 0, -3])
def test_ask_refuses_n_outside_1_to_max_and_changes_nothing(cls, n):
    opt = cls(_dist(), lam=4, seed=0)
    opt.tell(opt.ask(), np.arange(4.0))
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=r"ask: n must be a positive integer at most 2\*\*31 - 1"):
        opt.ask(n)
    after = opt.state_dict()
    assert repr(after) == repr(before)


@pytest.mark.parametrize("cls", CLASSES)
def test_a_state_dict_with_a_huge_lam_is_refused_and_changes_nothing(cls):
    opt = cls(_dist(), lam=4, seed=0)
    saved = opt.state_dict()
    bad = copy.deepcopy(saved)
    bad["lam"] = 2**70
    with pytest.raises(ValueError, match="lam"):
        opt.load_state_dict(bad)
    assert repr(opt.state_dict()) == repr(saved)


@pytest.mark.parametrize("config", ["blackbox", "paper"])
def test_minimize_refuses_a_huge_lam_before_evaluating(config):
    calls = []
    with pytest.raises(ValueError, match=r"minimize: lam must be an integer >= 2 .*at most 2\*\*31 - 1"):
        minimize(lambda c: calls.append(1) or 1.0, Categorical([3, 3]), lam=2**70, max_evals=2**71, config=config)
    assert calls == []


def test_minimize_refuses_a_huge_lam_on_a_single_point_space_too():
    with pytest.raises(ValueError, match=r"minimize: lam must be an integer >= 2 .*at most 2\*\*31 - 1"):
        minimize(lambda c: 1.0, Categorical([1, 1]), lam=2**70, max_evals=10)
    assert minimize(lambda c: 1.0, Categorical([1, 1]), lam=MAX_SAMPLES, max_evals=10).n_evals == 1


def test_the_optuna_sampler_refuses_a_huge_lam():
    pytest.importorskip("optuna")
    from asng_opt.integrations.optuna import ASNGSampler

    with pytest.raises(ValueError, match=r"ASNGSampler: lam must be an integer >= 2 .*at most 2\*\*31 - 1"):
        ASNGSampler(lam=MAX_SAMPLES + 1)
    assert ASNGSampler(lam=MAX_SAMPLES) is not None
