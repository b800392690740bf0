"""A named space's real variables resolve to 1e-10 of their range (asng-opt 0.15; 1e-6 before).

The floor is on each marginal sigma, while an ill-conditioned or rotated problem needs its precision
along C's short axes, far below the marginals: at 1e-6 such runs stopped "converged" and restarted
before their optimum. State dicts saved with the old floor still load."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import ASNG, Choice, FloatRange, IntRange, Space, minimize
from asng_opt._space_parts import FLOAT_SIGMA_MIN, FLOAT_SIGMA_MIN_BEFORE_015, legacy_specs
from asng_opt.blackbox import BlackBoxASNG

N = 4
ROTATION = np.linalg.qr(np.random.default_rng(5).normal(size=(N, N)))[0]
SCALES = 1e6 ** (np.arange(N) / (N - 1))  # condition 1e6


def rotated_ellipsoid(d):
    y = ROTATION @ (np.array([d[f"x{i}"] for i in range(N)]) - 1.3)
    return float(SCALES @ (y * y))


def sharp_ridge(d):
    y = ROTATION @ (np.array([d[f"x{i}"] for i in range(N)]) - 1.3)
    return float(y[0] ** 2 + 100 * np.sqrt(y[1:] @ y[1:]))


def reals():
    return Space(**{f"x{i}": FloatRange(-5.0, 5.0) for i in range(N)})


def test_the_resolution_is_a_named_spaces():
    assert FLOAT_SIGMA_MIN == 1e-10 and FLOAT_SIGMA_MIN_BEFORE_015 == 1e-6
    dist = Space(a=FloatRange(0.0, 3.0), b=FloatRange(1e-5, 1e-1, log=True)).distribution.parts["float"]
    np.testing.assert_array_equal(dist.sigma_min, [1e-10, 1e-10])  # unit coordinates: a share of the range


@pytest.mark.parametrize("fun, target", [(rotated_ellipsoid, 1e-10), (sharp_ridge, 1e-6)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rotated_ill_conditioned_problem_reaches_a_fine_target(fun, target, seed):
    # at 1e-6 of the range (1e-5 here) the marginals hit the floor first: the runs converged and
    # restarted again and again without reaching these targets (0/20 runs on the ellipsoid, 6 reals)
    res = minimize(fun, reals(), max_evals=6000, seed=seed, target=target)
    assert res.stop_reason == "target" and res.fun <= target, (res.fun, res.n_evals, res.n_restarts)


def _old_dict(opt, which=-1):
    state = opt.state_dict()
    old = legacy_specs(state["distribution"])[which]  # -1: 0.14's (no clip_draws, the old floor); 0: 0.15's
    assert old != state["distribution"]
    state["distribution"] = old
    return state


@pytest.mark.parametrize("which, saved_sigma_min", [(0, 1e-10), (-1, 1e-6)], ids=["0.15", "0.14"])
@pytest.mark.parametrize("cls", [BlackBoxASNG, ASNG])
def test_an_older_state_dict_loads_and_continues_with_clipped_draws_and_the_finer_resolution(
    cls, which, saved_sigma_min
):
    space = Space(c=Choice(["a", "b"]), k=IntRange(0, 5), x=FloatRange(0.0, 1.0), y=FloatRange(-2.0, 2.0))
    opt = cls(space, seed=3)
    for _ in range(3):
        xs = opt.ask()
        opt.tell(xs, np.arange(opt.lam, dtype=float))
    state = _old_dict(opt, which)
    saved = state["distribution"]["parts"]["float"]
    assert "clip_draws" not in saved and saved["sigma_min"] == [saved_sigma_min] * 2
    new = cls(space, seed=0)
    new.load_state_dict(state)
    part = new.distribution.parts["float"]
    assert new.t == opt.t and part.clip_draws and np.array_equal(part.sigma_min, [1e-10, 1e-10])
    assert new.ask() == opt.ask()  # the same state: the same next draws


def test_only_the_old_floor_of_a_named_spaces_reals_is_accepted():
    space = Space(x=FloatRange(0.0, 1.0), k=IntRange(0, 5))
    opt = BlackBoxASNG(space, seed=0)
    before = opt.state_dict()
    for other in (1e-7, 1e-3, FLOAT_SIGMA_MIN * 2):
        state = opt.state_dict()
        state["distribution"]["parts"]["float"]["sigma_min"] = [other]
        with pytest.raises(ValueError, match="distribution does not match"):
            opt.load_state_dict(state)
    after = opt.state_dict()  # a refused call leaves the optimizer as it was
    assert after["t"] == before["t"] and after["distribution"] == before["distribution"]


def test_legacy_specs_leave_other_distributions_alone():
    from asng_opt import Categorical, Gaussian, Integer, Product

    assert legacy_specs(Categorical([3, 2]).spec()) == ()
    assert legacy_specs(Integer([0], [5]).spec()) == ()
    assert legacy_specs(Gaussian(0.0, 1.0).spec()) == ()  # a user's Gaussian: another floor, another range
    # a bare Gaussian is never a named space's layout, even with the named space's bounds
    assert legacy_specs(Gaussian(0.5, 0.1, sigma_min=1e-10, sigma_max=0.5, low=0, high=1).spec()) == ()
    assert legacy_specs(Product({"float": Gaussian(0.5, 0.1, sigma_min=1e-10, low=0, high=2)}).spec()) == ()
    mirrored = Gaussian(0.5, 0.1, sigma_min=1e-10, sigma_max=0.5, low=0, high=1, mirrored=True)
    assert legacy_specs(Product({"float": mirrored}).spec()) == ()
    assert legacy_specs(None) == () and legacy_specs({"type": "Product", "parts": None}) == ()
    only_reals = Space(x=FloatRange(0.0, 1.0), y=FloatRange(2.0, 3.0)).distribution.spec()
    assert only_reals["type"] == "Product" and list(only_reals["parts"]) == ["float"]
    v015, v014 = legacy_specs(only_reals)
    assert only_reals["parts"]["float"]["clip_draws"] is True  # 0.16's named spaces: draws clipped
    assert "clip_draws" not in v015["parts"]["float"] and "clip_draws" not in v014["parts"]["float"]
    f015, f014 = v015["parts"]["float"], v014["parts"]["float"]
    assert f015["sigma_min"] == [1e-10, 1e-10] and f014["sigma_min"] == [1e-6, 1e-6]
    ours = {k: v for k, v in only_reals["parts"]["float"].items() if k != "clip_draws"}
    assert {**f014, "sigma_min": None} == {**ours, "sigma_min": None} and f015 == ours
    # a Gaussian with the named space's layout but not clipping its draws is a user's, not ours
    plain = Gaussian(0.5, 0.1, sigma_min=1e-10, sigma_max=0.5, low=0, high=1, size=2)
    assert legacy_specs(Product({"float": plain}).spec()) == ()


def _as_015(state):
    """``state`` as asng-opt 0.15 wrote it: no clip_draws in the spec, a pending ask's samples decoded
    as drawn (0.15's Gaussian decoded a draw outside [0, 1] unclipped)."""
    state["distribution"] = legacy_specs(state["distribution"])[0]
    if state["pending"] is not None:
        user, raw = state["pending"]
        state["pending"] = ({**user, "float": raw["float"].copy()}, raw)
    return state


@pytest.mark.parametrize("cls", [BlackBoxASNG, ASNG])
def test_a_015_state_saved_between_ask_and_tell_loads_with_a_draw_outside_the_range(cls):
    space = Space(a=FloatRange(0.0, 1.0))
    for seed in range(40):
        opt = cls(space, seed=seed)
        for _ in range(20):
            xs = opt.ask()
            opt.tell(xs, [x["a"] for x in xs])  # the optimum at the lower bound: draws fall below it
        asked = opt.ask()
        state = opt.state_dict()
        user, raw = state["pending"]
        if np.any((raw["float"] < 0) | (raw["float"] > 1)):
            break
    else:
        pytest.fail("no pending draw outside [0, 1] in 40 seeds")
    old = _as_015(state)
    assert not np.array_equal(old["pending"][0]["float"], user["float"])  # 0.15's samples: the unclipped draws
    new = cls(space, seed=99)
    new.load_state_dict(old)  # refused before: "the raw draws do not decode to the samples"
    new.tell(asked, [x["a"] for x in asked])
    opt.tell(asked, [x["a"] for x in asked])
    assert new.ask() == opt.ask()  # it continues as the optimizer that saved it


def test_a_spec_mismatch_names_what_differs():
    space = Space(a=FloatRange(0.0, 1.0), k=IntRange(0, 5))
    opt = BlackBoxASNG(space, seed=0)
    state = opt.state_dict()
    state["distribution"]["parts"]["float"]["clip_draws"] = False
    with pytest.raises(ValueError, match=r"part 'float', 'clip_draws' is False in the state, True here"):
        BlackBoxASNG(space, seed=0).load_state_dict(state)


def test_a_015_pending_ask_whose_samples_match_no_decoding_is_still_refused():
    space = Space(a=FloatRange(0.0, 1.0), k=IntRange(0, 5))
    opt = BlackBoxASNG(space, seed=0)
    opt.ask()
    state = _as_015(opt.state_dict())
    user, raw = state["pending"]
    for corrupt in ({**user, "float": user["float"] + 0.123}, {**user, "int": user["int"] + 1}):
        bad = {**state, "pending": (corrupt, raw)}
        with pytest.raises(ValueError, match="do not decode to the samples"):
            BlackBoxASNG(space, seed=0).load_state_dict(bad)


def test_a_refused_older_state_names_its_real_difference():
    opt = BlackBoxASNG(Space(a=FloatRange(0.0, 1.0), b=FloatRange(0.0, 1.0)), seed=0)
    state = _as_015(opt.state_dict())  # 0.15's layout, but two reals
    one = BlackBoxASNG(Space(a=FloatRange(0.0, 1.0)), seed=0)
    with pytest.raises(ValueError, match=r"'n_variables' is 2 in the state, 1 here"):
        one.load_state_dict(state)
    odd = {**opt.state_dict(), "distribution": {"type": "Product", "parts": {"float": None, 1: np.zeros(2)}}}
    with pytest.raises(ValueError, match="does not match"):  # an odd spec: the plain refusal, no crash
        opt.load_state_dict(odd)
