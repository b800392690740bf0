"""ASNGSampler review fixes: enqueued values outside their distribution are mapped to the nearest
point of the space (clipped, nearest grid value) and the study keeps working; values with no such
point leave the trial out of the update; ``theta`` and bad seeds are refused at construction."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

optuna = pytest.importorskip("optuna")

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from asng_opt.integrations._optuna_history import ATTR, mark, tell_generation  # noqa: E402
from asng_opt.integrations._optuna_space import SpaceCodec  # noqa: E402
from asng_opt.integrations.optuna import ASNGSampler, make_optimizer  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)

DISTS = {
    "n": IntDistribution(1, 10),
    "w": IntDistribution(16, 256, step=16),
    "s": FloatDistribution(0.0, 1.0, step=0.1),
    "k": IntDistribution(1, 1024, log=True),
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "x": FloatDistribution(-2.0, 2.0),
    "o": CategoricalDistribution(["a", "b", "c"]),
}
CODEC = SpaceCodec(DISTS)
INSIDE = {"n": 3, "w": 128, "s": 0.3, "k": 32, "lr": 1e-3, "x": 0.5, "o": "b"}


def _nearest(name, v):
    """The point of the space the sampler learns for value ``v`` of parameter ``name``."""
    d = DISTS[name]
    c = min(max(v, d.low), d.high)
    if name in ("n", "w", "s"):
        k = math.floor((c - d.low) / d.step + 0.5)
        return d.low + d.step * min(k, round((d.high - d.low) / d.step))
    return c


def _learnt(name, v):
    raw = CODEC.from_params({**INSIDE, name: v})
    assert raw is not None
    return CODEC.to_params(raw)[name]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["n", "w", "k"]), st.integers(-(10**6), 10**6))
def test_any_integer_is_learnt_as_the_nearest_point_of_the_space(name, v):
    assert _learnt(name, v) == _nearest(name, v)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["s", "x", "lr"]), st.floats(-1e300, 1e300, allow_nan=False))
def test_any_float_is_learnt_as_the_nearest_point_of_the_space(name, v):
    got = _learnt(name, v)
    assert got == pytest.approx(_nearest(name, v), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "v", "want"),
    [
        ("n", 50, 10),
        ("n", 0, 1),
        ("n", -(10**30), 1),
        ("w", 40, 48),  # halfway between 32 and 48: the larger
        ("w", 39, 32),
        ("w", 56, 64),  # halfway again: the larger (Python's round() would give 48 here)
        ("w", 1000, 256),
        ("s", 0.36, 0.4),  # (0.35 is halfway in decimal only: 0.35 / 0.1 = 3.4999... in binary)
        ("s", 0.34, 0.3),
        ("x", math.inf, 2.0),
        ("x", -math.inf, -2.0),
        ("lr", 10.0, 1e-1),
        ("lr", -1.0, 1e-5),  # a log scale's value <= 0: its lower bound (no math domain error)
        ("k", 0, 1),
        ("k", 5000, 1024),
    ],
)
def test_examples_of_values_outside_the_distribution(name, v, want):
    assert _learnt(name, v) == pytest.approx(want)


@pytest.mark.parametrize(("name", "v"), [("o", "zzz"), ("o", 7), ("x", math.nan), ("lr", math.nan), ("n", "3x")])
def test_values_with_no_point_in_the_space_give_none(name, v):
    assert CODEC.from_params({**INSIDE, name: v}) is None


def _objective(trial):
    n = trial.suggest_int("n", 1, 10)
    w = trial.suggest_int("w", 16, 256, step=16)
    s = trial.suggest_float("s", 0, 1, step=0.1)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    o = trial.suggest_categorical("o", ["a", "b"])
    return abs(n - 3) + abs(w - 128) / 64 + abs(s - 0.3) + abs(math.log10(lr) + 3) + (o == "a")


@pytest.mark.parametrize(
    "fixed",
    [{"n": 50}, {"n": 0}, {"w": 40}, {"s": 0.35}, {"lr": 10.0}, {"n": 50, "w": 1000, "s": 5.0, "lr": 1e-9}],
    ids=["int-above", "int-below", "off-grid-int", "off-grid-float", "log-float-above", "all"],
)
def test_study_keeps_working_after_an_out_of_range_enqueued_trial(fixed):
    study = optuna.create_study(sampler=ASNGSampler(seed=0, lam=4))
    study.optimize(_objective, n_trials=8)
    study.enqueue_trial(fixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna warns that the fixed value is out of range
        study.optimize(_objective, n_trials=16, catch=(Exception,))
    states = Counter(t.state for t in study.trials)
    assert states == {TrialState.COMPLETE: 24}, states
    assert study.trials[8].params.items() >= fixed.items()  # the enqueued values were run
    opt = study.sampler.current_optimizer(study)
    assert opt.t >= 4  # the generation holding the enqueued trial was told, and later ones


def _trial(number, params, value, codec, raw):
    """A finished trial as tell_generation reads it (params may hold values optuna would refuse)."""
    return SimpleNamespace(
        number=number,
        state=TrialState.COMPLETE,
        value=value,
        params=params,
        distributions=dict(codec.space),
        system_attrs={ATTR: mark(codec.key, 0, codec.raw_to_json(raw))},
        last_step=None,
        intermediate_values={},
    )


def test_a_trial_with_no_point_in_the_space_is_left_out_of_the_update():
    dists = {"o": CategoricalDistribution(["a", "b"]), "x": FloatDistribution(0.0, 1.0)}
    codec = SpaceCodec(dists)
    rng = np.random.default_rng(0)
    make = lambda: make_optimizer(codec.distribution, 2, 4, {})  # noqa: E731
    opt = make()
    raws = [codec.sample(opt.theta, rng) for _ in range(4)]
    good = [_trial(i, codec.to_params(r), float(i), codec, r) for i, r in enumerate(raws)]
    bad = _trial(4, {"o": "zzz", "x": 0.5}, -100.0, codec, raws[0])  # its value would rank it best
    with_bad, without = make(), make()
    tell_generation(with_bad, [*good, bad], codec, 1.0, "worst")
    tell_generation(without, good, codec, 1.0, "worst")
    assert with_bad.t == without.t == 1
    flat = with_bad.distribution.flat
    assert np.array_equal(flat(with_bad.theta), flat(without.theta))
    # a generation left with one member is not told (the ranking needs two)
    lone = make()
    tell_generation(lone, [good[0], bad], codec, 1.0, "worst")
    assert lone.t == 0


@pytest.mark.parametrize("seed", ["x", -1, 1.5, True, [1, 2], np.float64(3.0)])
def test_bad_seeds_are_refused_in_one_line(seed):
    with pytest.raises(ValueError, match="ASNGSampler: seed") as err:
        ASNGSampler(seed=seed)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("seed", [None, 0, 7, np.int64(3), 2**40])
def test_good_seeds_are_accepted(seed):
    ASNGSampler(seed=seed)


@pytest.mark.parametrize("theta", [np.full((2, 2), 0.5), None, {"cat": np.full((2, 2), 0.5)}])
def test_theta_option_is_refused_at_construction(theta):
    with pytest.raises(ValueError, match=r"must not set \['theta'\]"):
        ASNGSampler(optimizer_options={"theta": theta})


@pytest.mark.parametrize(
    ("options", "what"),
    [({"delta0": -1}, "delta0"), ({"cat_utility": "x"}, "cat_utility"), ({"nope": 1}, "nope")],
)
def test_refused_options_name_the_sampler(options, what):
    with pytest.raises(ValueError, match=rf"^ASNGSampler: optimizer_options: .*{what}"):
        ASNGSampler(optimizer_options=options)
