"""BlackBoxASNG.load_state_dict with a dict saved under other settings (asng-opt 0.13): the dict's
settings win, as in torch (a run resumes with the rules it ran with), and a UserWarning names each
one that differs, with both values. Resuming into an optimizer built as the saved one was, and
loading an earlier version's dict (whose missing options load with the rules it ran with), warn
nothing; a refused dict warns nothing and changes nothing."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import Categorical, Choice, FloatRange, IntRange, Product, Space
from asng_opt import Gaussian as G
from asng_opt.blackbox import BlackBoxASNG, restart

DIST = Product(c=Categorical([3] * 6), r=G(np.zeros(2), 1.0))


def _loss(x):
    return np.sum(x["c"] != 1, axis=1) + np.sum((x["r"] - 0.5) ** 2, axis=1)


def _run(opt, tells):
    for _ in range(tells):
        x = opt.ask()
        opt.tell(x, _loss(x))
    return opt


def test_other_settings_are_taken_with_a_warning_naming_each():
    saved = _run(BlackBoxASNG(DIST, lam=8, seed=0, mutant_share=0.5, real_utility="quantile", maximize=False), 5)
    sd = saved.state_dict()
    opt = BlackBoxASNG(DIST, seed=1)
    with pytest.warns(UserWarning, match="replace this optimizer's") as rec:
        opt.load_state_dict(sd)
    assert len(rec) == 1
    msg = str(rec[0].message)
    lam = BlackBoxASNG(DIST).lam
    for part in (f"lam: {lam} -> 8", "mutant_share: 1.0 -> 0.5", "real_utility: 'log' -> 'quantile'"):
        assert part in msg
    assert "alpha" not in msg and "covariance" not in msg  # the same: not listed
    assert rec[0].filename == __file__  # points at the caller
    assert opt.hyper() == saved.hyper() and opt.lam == 8 and deep_equal(opt.state_dict(), sd)


def test_maximize_is_a_setting_too():
    sd = _run(BlackBoxASNG(DIST, seed=0, maximize=True), 2).state_dict()
    with pytest.warns(UserWarning, match="maximize: False -> True"):
        BlackBoxASNG(DIST, seed=0).load_state_dict(sd)


def test_a_resume_with_the_same_settings_warns_nothing_and_continues_bit_identically():
    space = Space(a=Choice(["x", "y"]), n=IntRange(0, 9), r=FloatRange(-1.0, 1.0))
    a = BlackBoxASNG(space, lam=6, seed=3, mutant_share=0.5)
    for _ in range(6):
        cfgs = a.ask()
        a.tell(cfgs, [float(c["n"]) + c["r"] ** 2 + (c["a"] == "y") for c in cfgs])
    b = BlackBoxASNG(space, lam=6, seed=99, mutant_share=0.5)  # another seed: the RNG state is the dict's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.load_state_dict(a.state_dict())
        b.load_state_dict(a.state_dict())  # twice: still the same settings
        r = restart(b)
        r.load_state_dict(restart(a).state_dict())  # a restart's optimizer resumes as well
    assert [list(c.values()) for c in a.ask()] == [list(c.values()) for c in b.ask()]


def test_an_earlier_versions_dict_warns_nothing_for_the_options_it_lacks():
    """A dict of 0.10 (no clip_injected, no earn_mutants): upgrade gives it the rules it ran with
    (False, False) while this optimizer's are True; that is no setting of the dict's to report."""
    saved = _run(BlackBoxASNG(DIST, seed=0, clip_injected=False, earn_mutants=False), 4)
    old = copy.deepcopy(saved.state_dict())
    for key in ("clip_injected", "earn_mutants"):
        del old["hyper"][key]
    del old["elitism"]["earned"]
    opt = BlackBoxASNG(DIST, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.load_state_dict(old)
    assert opt.clip_injected is False and opt.earn_mutants is False
    # a 0.4 dict (no mutant_share, loads with None) warns only for what it saved differently
    older = copy.deepcopy(old)
    del older["hyper"]["mutant_share"]
    older["hyper"]["mutant"] = False
    with pytest.warns(UserWarning) as rec:
        BlackBoxASNG(DIST, seed=1).load_state_dict(older)
    assert "mutant: True -> False" in str(rec[0].message) and "mutant_share" not in str(rec[0].message)


@pytest.mark.parametrize("spoil", ["n_restarts", "theta", "covariance"])
def test_a_refused_dict_with_other_settings_warns_nothing_and_changes_nothing(spoil):
    sd = _run(BlackBoxASNG(DIST, lam=8, seed=0, mutant_share=0.5), 3).state_dict()
    if spoil == "n_restarts":
        sd["n_restarts"] = -1
    elif spoil == "theta":
        sd["state"]["theta"] = {k: np.full_like(v, np.nan) for k, v in sd["state"]["theta"].items()}
    else:
        sd["hyper"]["covariance"] = "diagonal"
    opt = _run(BlackBoxASNG(DIST, seed=1), 2)
    before = opt.state_dict()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            opt.load_state_dict(sd)
    assert not rec and deep_equal(opt.state_dict(), before)
