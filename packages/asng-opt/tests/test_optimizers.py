import copy
import math
import pickle

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import ASNG, SNG, AdamNG, Categorical, Integer, Product, ranking_utility, updates

TARGET = np.arange(30) % 5


def mismatches(c):
    return float(np.sum(c != TARGET))


def run(opt, fun, iters):
    for _ in range(iters):
        s = opt.ask()
        n = len(next(iter(s.values()))) if isinstance(s, dict) else len(s)
        xs = [{k: v[j] for k, v in s.items()} for j in range(n)] if isinstance(s, dict) else list(s)
        opt.tell(s, [fun(x) for x in xs])


def mixed_fun(s):
    return float(np.sum(s["c"] != 1) + np.sum(np.abs(s["i"] - 7)))


def make_opt(kind, seed=0):
    if kind == "asng":
        return ASNG(Categorical([5] * 30), seed=seed)
    if kind == "sng":
        return SNG(Categorical([5] * 30), delta=0.3, seed=seed)
    if kind == "adam":
        return AdamNG(Categorical([5] * 30), lr=0.05, seed=seed)
    if kind == "product":
        return ASNG(Product(c=Categorical([3] * 10), i=Integer(0, 20, size=5)), seed=seed)
    raise AssertionError(kind)


# ---- the documented API -------------------------------------------------------------------------
def test_readme_api():
    dist = Categorical([5] * 30)
    opt = ASNG(dist, lam=2, alpha=1.5, delta0=1.0, delta_max=np.inf, seed=0)
    c = opt.ask()
    assert c.shape == (2, 30) and c.dtype == np.int64 and np.all((0 <= c) & (c < 5))
    assert opt.delta == 1.0
    opt.tell(c, np.array([mismatches(x) for x in c]))
    assert opt.theta.shape == (30, 5) and opt.most_likely().shape == (30,)
    assert isinstance(opt.state, updates.ASNGState) and opt.state.theta is opt.theta
    assert isinstance(opt.should_stop(), bool)


@pytest.mark.parametrize(
    "space",
    [Categorical([3, 4, 5, 2, 6]), Categorical([70, 2, 33]), Integer([0, -5, 10], [10, 5, 200])],
    ids=["categorical", "wide", "integer"],
)
@pytest.mark.parametrize(
    "cls, init",
    [(ASNG, updates.asng_init), (SNG, updates.sng_init), (AdamNG, updates.adam_init)],
    ids=["asng", "sng", "adam"],
)
def test_default_start_is_initial_theta_exactly(space, cls, init):
    """Without a prior the optimizer starts at ``initial_theta()`` bit for bit (as the batched
    ``*_init`` functions do), so the golden trajectories replay."""
    opt = cls(space, seed=0)
    assert deep_equal(opt.theta, space.initial_theta())
    assert deep_equal(opt.theta, init(space).theta)
    assert type(opt.state) is type(init(space))


def test_hand_computed_first_step():
    """Categorical([3, 3]); theta_min = 1/(2*2) = 1/4, n_theta = 4, delta = 1, beta = 1/2.

    c1 = (0, 1) with loss 0 beats c2 = (2, 1) with loss 1: w = (+1, -1),
    G = (T(c1) - T(c2)) / 2 = (1/2, 0, 0, 0). Block 0 of F at theta = 1/3 is [[6, 3], [3, 6]], so
    ||G||_F^2 = 6/4 and theta_0 moves by (1/sqrt(1.5)) * (1/2, 0) with the last category paying.
    """
    d = Categorical([3, 3])
    opt = ASNG(d, seed=0)
    opt.tell(np.array([[0, 1], [2, 1]]), [0.0, 1.0])
    eps = 1 / math.sqrt(1.5)
    raw = np.array([1 / 3 + eps / 2, 1 / 3, 1 / 3 - eps / 2])  # (0.7416, 0.3333, -0.0749)
    clipped = np.maximum(raw, 0.25)
    excess = clipped - 0.25
    expect0 = clipped + (1 - clipped.sum()) / excess.sum() * excess  # appendix D
    assert np.allclose(opt.theta[0], expect0, atol=1e-14)
    assert np.allclose(opt.theta[0], [0.463763, 0.286237, 0.25], atol=1e-6)
    assert np.allclose(opt.theta[1], 1 / 3, atol=1e-15)
    # s = sqrt(beta (2 - beta)) v / ||v||, gamma = beta (2 - beta) = 3/4, ||s||^2 = 3/4
    st = opt.state_dict()["state"]
    assert math.isclose(st["gamma"], 0.75, rel_tol=1e-14)
    assert math.isclose(float(st["s"] @ st["s"]), 0.75, rel_tol=1e-14)
    # Delta = exp(beta (gamma - ||s||^2 / alpha)) = exp(0.5 (0.75 - 0.5)) = exp(0.125)
    assert math.isclose(st["Delta"], math.exp(0.125), rel_tol=1e-14)
    assert math.isclose(opt.delta, math.exp(-0.125), rel_tol=1e-14)


def test_sng_and_adam_first_step_by_hand():
    d = Categorical([3, 3])
    sng = SNG(d, delta=0.1)
    sng.tell(np.array([[0, 1], [2, 1]]), [0.0, 1.0])
    eps = 0.1 / math.sqrt(1.5)
    assert np.allclose(sng.theta[0], [1 / 3 + eps / 2, 1 / 3, 1 / 3 - eps / 2], atol=1e-15)
    d2 = Categorical([3, 3])
    adam = AdamNG(d2, lr=0.01)
    adam.tell(np.array([[0, 1], [2, 1]]), [0.0, 1.0])
    # first Adam step: m_hat / sqrt(v_hat) = sign(g) where g != 0, so free coordinate 0 moves by lr
    assert np.allclose(adam.theta[0], [1 / 3 + 0.01, 1 / 3, 1 / 3 - 0.01], atol=1e-9)


def test_tie_skips_update_entirely():
    opt = make_opt("asng")
    run(opt, mismatches, 5)
    before = opt.state_dict()
    c = opt.ask()
    opt.tell(c, [1.0, 1.0])
    after = opt.state_dict()
    assert opt.n_skipped == before["n_skipped"] + 1
    assert deep_equal(after["state"], before["state"])


def test_identical_samples_skip_update():
    opt = make_opt("asng")
    c = np.tile(TARGET, (2, 1))
    opt.tell(c, [0.0, 1.0])
    assert opt.n_skipped == 1 and np.allclose(opt.theta, 0.2) and opt.delta == 1.0


def test_maximize_mirrors_minimize():
    a = ASNG(Categorical([4] * 10), seed=3)
    b = ASNG(Categorical([4] * 10), seed=3, maximize=True)
    f = lambda c: float(np.sum(c == 2))  # noqa: E731
    for _ in range(30):
        ca, cb = a.ask(), b.ask()
        a.tell(ca, [-f(x) for x in ca])
        b.tell(cb, [f(x) for x in cb])
    assert np.array_equal(a.theta, b.theta)


# ---- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "samples, losses, msg",
    [
        (None, [np.nan, 1.0], "finite"),
        (None, [np.inf, 1.0], "finite"),
        (None, [1.0, 2.0, 3.0], "shape"),
        (None, ["a", "b"], "real numbers"),
        (np.zeros((2, 29), int), [1.0, 2.0], "shape"),
        (np.full((2, 30), 5), [1.0, 2.0], "category 5"),
        (np.full((2, 30), -1), [1.0, 2.0], "category -1"),
        (np.zeros((1, 30), int), [1.0], "at least 2"),
        (np.full((2, 30), 0.5), [1.0, 2.0], "integer"),
    ],
)
@pytest.mark.parametrize("kind", ["asng", "sng", "adam"])
def test_bad_tell_leaves_state_untouched(kind, samples, losses, msg):
    opt = make_opt(kind)
    run(opt, mismatches, 7)
    c = opt.ask()
    before = pickle.dumps(opt.state_dict())
    with pytest.raises(ValueError, match=msg):
        opt.tell(c if samples is None else samples, losses)
    assert deep_equal(opt.state_dict(), pickle.loads(before))
    opt.tell(c, [1.0, 2.0])  # still usable, and the pending samples still count


def test_bad_product_tell_leaves_state_untouched():
    opt = make_opt("product")
    run(opt, mixed_fun, 3)
    s = opt.ask()
    before = pickle.dumps(opt.state_dict())
    bad = {k: v.copy() for k, v in s.items()}
    bad["c"][0, 0] = 7
    with pytest.raises(ValueError, match="part 'c'"):
        opt.tell(bad, [0.0, 1.0])
    with pytest.raises(ValueError, match="keys"):
        opt.tell({"c": s["c"]}, [0.0, 1.0])
    assert deep_equal(opt.state_dict(), pickle.loads(before))


@pytest.mark.parametrize(
    "build, msg",
    [
        (lambda: ASNG(Categorical([3, 3]), alpha=1.0), "alpha must be > 1"),
        (lambda: ASNG(Categorical([3, 3]), alpha=0.5), "alpha must be > 1"),
        (lambda: ASNG(Categorical([3, 3]), delta0=0.0), "delta0 must be > 0"),
        (lambda: ASNG(Categorical([3, 3]), delta0=-1), "delta0 must be > 0"),
        (lambda: ASNG(Categorical([3, 3]), lam=1), "lam must be an integer >= 2"),
        (lambda: ASNG(Categorical([3, 3]), lam=2.5), "lam must be an integer >= 2"),
        (lambda: ASNG([3, 3]), "asng_opt distribution"),
        (lambda: ASNG(Categorical([1, 1])), "no free parameter"),
        (lambda: SNG(Categorical([3, 3]), delta=0), "delta must be > 0"),
        (lambda: AdamNG(Categorical([3, 3]), beta1=1.0), "beta1"),
        (lambda: Categorical([2, 0]), "at least 1"),
        (lambda: Integer(3, 1), "low=3 > high=1"),
    ],
)
def test_constructors_reject_nonsense(build, msg):
    with pytest.raises(ValueError, match=msg):
        build()


def test_load_state_dict_rejects_mismatch():
    a = ASNG(Categorical([5] * 30), seed=0)
    with pytest.raises(ValueError, match="distribution does not match"):
        ASNG(Categorical([5] * 29)).load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="not SNG"):
        SNG(Categorical([5] * 30)).load_state_dict(a.state_dict())


# ---- persistence ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["asng", "sng", "adam", "product"])
def test_state_dict_round_trip_continues_bit_identically(kind):
    fun = mixed_fun if kind == "product" else mismatches
    a = make_opt(kind, seed=11)
    run(a, fun, 40)
    a.ask()  # a pending ask (with raw Integer draws) is part of the state
    state = pickle.loads(pickle.dumps(a.state_dict()))
    b = make_opt(kind, seed=999)
    b.load_state_dict(state)
    assert deep_equal(b.state_dict(), a.state_dict())
    run(a, fun, 40)
    run(b, fun, 40)
    assert deep_equal(a.state_dict(), b.state_dict())


def _v1(state):
    """A state_dict as version 1 wrote it: ASNG's step size was called delta_init."""
    old = copy.deepcopy(state)
    old["version"] = 1
    if "delta0" in old["hyper"]:
        old["hyper"]["delta_init"] = old["hyper"].pop("delta0")
    return old


@pytest.mark.parametrize("kind", ["asng", "sng", "adam", "product"])
def test_version_1_state_dict_loads_and_continues_bit_identically(kind):
    fun = mixed_fun if kind == "product" else mismatches
    if kind in ("asng", "product"):  # hyper-parameters away from the defaults, so that loading them shows
        dist = make_opt(kind).distribution
        a = ASNG(dist, delta0=0.37, alpha=1.7, delta_max=50.0, seed=11)
    else:
        a = make_opt(kind, seed=11)
    run(a, fun, 40)
    a.ask()  # with a pending ask
    state = a.state_dict()
    assert state["version"] == 2 and state["hyper"] == a.hyper()
    if isinstance(a, ASNG):
        assert state["hyper"] == {"alpha": 1.7, "delta0": 0.37, "delta_max": 50.0}
    old = pickle.loads(pickle.dumps(_v1(state)))
    if isinstance(a, ASNG):
        assert old["hyper"] == {"alpha": 1.7, "delta_init": 0.37, "delta_max": 50.0}
    b = make_opt(kind, seed=999)
    b.load_state_dict(old)
    assert deep_equal(b.state_dict(), a.state_dict())  # saved again in this version's layout
    if isinstance(a, ASNG):
        assert b.delta0 == 0.37 and b.alpha == 1.7 and b.delta_max == 50.0
    run(a, fun, 40)
    run(b, fun, 40)
    assert deep_equal(a.state_dict(), b.state_dict())


def test_state_dict_version_and_hyper_names_must_match():
    a = ASNG(Categorical([5] * 30), seed=0)
    run(a, mismatches, 3)
    good = a.state_dict()
    mixed = copy.deepcopy(good)  # a version-2 dict with the old name
    mixed["hyper"]["delta_init"] = mixed["hyper"].pop("delta0")
    for bad, msg in ((mixed, "hyper-parameters"), ({**good, "version": 3}, "unknown state version")):
        b = ASNG(Categorical([5] * 30), seed=1)
        before = pickle.dumps(b.state_dict())
        with pytest.raises(ValueError, match=msg):
            b.load_state_dict(bad)
        assert deep_equal(b.state_dict(), pickle.loads(before))


def test_tell_uses_raw_draws_of_last_ask_for_integers():
    d = Integer(0, 100, size=3)
    opt = ASNG(d, seed=0)
    s = opt.ask()
    raw = opt._pending[1]
    assert not np.array_equal(raw, s)  # the objective sees rounded values ...
    expect = updates.asng_update(d, opt.state, raw, ranking_utility([0.0, 1.0]))
    opt.tell(s, [0.0, 1.0])  # ... the update uses the raw ones
    assert np.array_equal(opt.theta, expect.theta)


def test_tell_accepts_foreign_samples():
    opt = ASNG(Categorical([3] * 4), seed=0)
    opt.ask()
    opt.tell([[0, 1, 2, 0], [1, 1, 1, 1], [2, 2, 2, 2]], [3.0, 1.0, 2.0])
    assert opt.t == 1 and not np.allclose(opt.theta, 1 / 3)


# ---- the batched functions are the classes' algorithm ---------------------------------------------
@pytest.mark.parametrize("kind", ["asng", "sng", "adam", "product"])
def test_batched_functions_equal_per_state_classes(kind):
    """Four independent optimizers advanced one by one and as one batch give the same states."""
    B, iters = 4, 25
    fun = mixed_fun if kind == "product" else mismatches
    opts = [make_opt(kind, seed=s) for s in range(B)]
    dist = opts[0].distribution
    if kind in ("asng", "product"):
        hyper = {"delta0": 1.0, "alpha": 1.5, "delta_max": np.inf}
        init, update = updates.asng_init, updates.asng_update
    elif kind == "sng":
        hyper, init, update = {"delta": 0.3}, updates.sng_init, updates.sng_update
    else:
        hyper, init, update = {"lr": 0.05}, updates.adam_init, updates.adam_update
    state = init(dist, (B,))
    for _ in range(iters):
        raws, ws = [], []
        for o in opts:
            s = o.ask()
            raws.append(o._pending[1])
            xs = [{k: v[j] for k, v in s.items()} for j in range(2)] if isinstance(s, dict) else list(s)
            f = [fun(x) for x in xs]
            ws.append(ranking_utility(f))
            o.tell(s, f)
        raw = {k: np.stack([r[k] for r in raws]) for k in raws[0]} if isinstance(raws[0], dict) else np.stack(raws)
        state = update(dist, state, raw, np.stack(ws), **hyper)
    for b, o in enumerate(opts):
        ref = o.state
        for got, want in zip(state, ref):
            if isinstance(want, dict):
                for k in want:
                    assert np.allclose(got[k][b], want[k], rtol=1e-12, atol=1e-14)
            else:
                assert np.allclose(np.asarray(got)[b], want, rtol=1e-12, atol=1e-14)


def test_batched_hyperparameters_per_run():
    """delta0 and alpha may differ across the batch."""
    d = Categorical([5] * 30)
    st = updates.asng_init(d, (3,))
    rng = np.random.default_rng(0)
    raw = d.sample(st.theta, 2, rng)
    w = np.tile([1.0, -1.0], (3, 1))
    out = updates.asng_update(d, st, raw, w, delta0=np.array([1.0, 0.1, 0.01]), alpha=np.array([1.1, 1.5, 5.0]))
    for b, (d0, a) in enumerate([(1.0, 1.1), (0.1, 1.5), (0.01, 5.0)]):
        one = updates.asng_update(d, updates.asng_init(d), raw[b], w[b], delta0=d0, alpha=a)
        assert np.allclose(out.theta[b], one.theta, rtol=1e-12) and np.isclose(out.Delta[b], one.Delta, rtol=1e-12)


# ---- convergence ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_asng_solves_30x5_categorical(seed):
    """Budget: 3,000 iterations (6,000 evaluations); measured 320-730 iterations for the mode."""
    opt = ASNG(Categorical([5] * 30), seed=seed)
    for it in range(3000):
        run(opt, mismatches, 1)
        if opt.should_stop():
            break
    assert opt.should_stop(), f"not converged after {it + 1} iterations"
    assert mismatches(opt.most_likely()) == 0


@pytest.mark.parametrize("seed", range(4))
def test_asng_solves_mixed_product(seed):
    """10 ternary + 5 integer variables in [0, 20]; budget 15,000 iterations (measured <= 9,500)."""
    opt = make_opt("product", seed=seed)
    for it in range(15000):
        run(opt, mixed_fun, 1)
        if opt.should_stop():
            break
    assert opt.should_stop(), f"not converged after {it + 1} iterations"
    assert mixed_fun(opt.most_likely()) == 0


@pytest.mark.parametrize("seed", range(5))
def test_integer_only_problem_converges(seed):
    """Ordinal variables alone with lam = 4 (measured: converged within 90 iterations).

    With lam = 2 the mirrored pair carries no information about sigma once the mean sits on a
    symmetric optimum, and the first large steps can freeze sigma early: use lam >= 4 here.
    """
    d = Integer([1, 64, 0], [3, 256, 10])
    opt = ASNG(d, lam=4, seed=seed)
    goal = np.array([2, 100, 3])
    for _ in range(1000):
        run(opt, lambda x: float(np.sum(np.abs(x - goal) / (d.high - d.low))), 1)
        if opt.should_stop():
            break
    assert opt.should_stop() and np.array_equal(opt.most_likely(), goal)
