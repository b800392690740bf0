"""``mutate_many``: several elitist mutants of BlackBoxASNG drawn at once, each from the same
distribution as ``mutate`` (DiscreteOnePlusOne's mutation); ``mutant_share=None`` (one mutant per
batch, asng-opt 0.4) replays as before, and resume stays bit-identical with the default options."""

from __future__ import annotations

import copy
import hashlib
import pickle

import numpy as np
import pytest
from helpers import deep_equal, random_theta

from asng_opt import Categorical, Gaussian, Integer, Product
from asng_opt._samples import samples_equal
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox._tree import collect, leaves, take
from asng_opt.blackbox.elite import Elitism, _is_each
from asng_opt.blackbox.mutant import mutate, mutate_many

# ---- random spaces and elites -------------------------------------------------------------------


def random_leaf(rng):
    kind = rng.integers(3)
    n = int(rng.integers(1, 5))
    if kind == 0:
        return Categorical(rng.integers(1, 5, size=n).tolist())  # K = 1 included
    if kind == 1:
        low = rng.integers(-3, 3, size=n)
        return Integer(low, low + rng.integers(0, 3, size=n))  # low == high included
    return Gaussian(rng.normal(size=n), 1.0)


def random_space(rng, depth=0):
    """A leaf, or a Product of 1-3 parts, some of them Products again."""
    if depth == 2 or rng.random() < 0.3:
        return random_leaf(rng)
    return Product(**{f"p{i}": random_space(rng, depth + 1) for i in range(int(rng.integers(1, 4)))})


def random_elite(dist, rng):
    """A raw sample ``(1, ...)``: integers often at a bound and not always integral (a clipped draw)."""
    if isinstance(dist, Product):
        return {k: random_elite(p, rng) for k, p in dist.parts.items()}
    if isinstance(dist, Categorical):
        return rng.integers(0, np.asarray(dist.categories))[None].astype(np.int64)
    if isinstance(dist, Integer):
        x = rng.integers(dist.int_low, dist.int_high + 1) + rng.uniform(-0.4, 0.4, size=dist.n_variables)
        at_bound = rng.random(dist.n_variables) < 0.5
        x = np.where(at_bound, np.where(rng.random(dist.n_variables) < 0.5, dist.int_low, dist.int_high), x)
        return np.clip(x, dist.int_low, dist.int_high)[None].astype(float)
    return rng.normal(size=(1, dist.n_variables))


def check_mutants(dist, elite, batch, m):
    """Every property a batch of ``m`` mutants of ``elite`` must have (decoded values)."""
    parts = list(zip(leaves(dist), collect(dist, elite), collect(dist, batch)))
    changed = np.zeros(m, dtype=int)
    any_free = False
    for d, e, x in parts:
        assert x.shape == (m,) + e.shape[1:] and x.dtype == e.dtype
        if isinstance(d, Categorical):
            k = np.asarray(d.categories)
            assert np.all((0 <= x) & (x < k))
            assert np.all(x[:, k == 1] == e[:, k == 1])
            changed += np.sum(x != e, axis=1)
            any_free |= bool(np.any(k > 1))
        elif isinstance(d, Integer):
            de, dx = d.decode(e), d.decode(x)
            assert np.all((d.int_low <= dx) & (dx <= d.int_high))
            assert np.all(np.abs(dx - de) <= 1)  # moved by exactly 1, or not at all
            fixed = d.int_low == d.int_high
            assert np.all(dx[:, fixed] == de[:, fixed])
            changed += np.sum(dx != de, axis=1)
            any_free |= bool(np.any(~fixed))
        else:
            assert np.all(np.isfinite(x)) and np.all(x != e)  # sigma > 0: every real moves
    if any_free:
        assert np.all(changed >= 1)  # at least one discrete variable changed in every mutant
    else:
        assert np.all(changed == 0)


# ---- properties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_every_mutant_is_a_valid_mutation_of_the_elite(seed):
    rng = np.random.default_rng(seed)
    dist = random_space(rng)
    theta = random_theta(dist, rng)
    elite = random_elite(dist, rng)
    before = copy.deepcopy(elite)
    m = int(rng.integers(1, 40))
    batch = mutate_many(dist, theta, elite, m, rng)
    assert deep_equal(elite, before)  # not modified
    check_mutants(dist, elite, batch, m)
    one = mutate(dist, theta, elite, rng)  # the same layout as mutate's (m = 1)
    check_mutants(dist, elite, one, 1)


def test_spaces_without_a_changeable_discrete_variable():
    rng = np.random.default_rng(0)
    fixed = Product(c=Categorical([1, 1]), z=Integer([2, -1], [2, -1]))
    elite = {"c": np.zeros((1, 2), dtype=np.int64), "z": np.array([[2.0, -1.0]])}
    out = mutate_many(fixed, fixed.initial_theta(), elite, 5, rng)
    assert np.array_equal(out["c"], np.zeros((5, 2))) and np.array_equal(out["z"], np.tile([2.0, -1.0], (5, 1)))
    real = Product(c=Categorical([1]), r=Gaussian(np.zeros(3), 1.0))
    elite = {"c": np.zeros((1, 1), dtype=np.int64), "r": np.zeros((1, 3))}
    out = mutate_many(real, real.initial_theta(), elite, 4, rng)
    assert out["r"].shape == (4, 3) and np.all(out["r"] != 0) and np.all(out["c"] == 0)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3", None])
def test_bad_m_is_refused(bad):
    dist = Categorical([3] * 4)
    with pytest.raises(ValueError, match="mutate_many: m must be a positive integer"):
        mutate_many(dist, dist.initial_theta(), np.zeros((1, 4), dtype=np.int64), bad, np.random.default_rng(0))


# ---- the distribution is mutate's ---------------------------------------------------------------

STAT_SPACE = Product(
    c=Categorical([2, 5, 1, 3]),
    inner=Product(z=Integer([0, 0, 3], [4, 0, 5]), r=Gaussian(np.zeros(2), 1.0)),
)
STAT_ELITE = {
    "c": np.array([[1, 2, 0, 0]]),
    "inner": {"z": np.array([[0.0, 0.0, 4.0]]), "r": np.array([[0.5, -1.0]])},
}  # z0 at its lower bound, z1 fixed (0 == 0), z2 inside: N' = 3 + 2 = 5


def _statistics(batch):
    """Per changeable variable: the change rate; the new categories of c1; the steps of z2; and
    the real offsets' mean and std."""
    c, z, r = batch["c"], batch["inner"]["z"], batch["inner"]["r"]
    e = STAT_ELITE
    changed = np.concatenate([c[:, [0, 1, 3]] != e["c"][:, [0, 1, 3]], z[:, [0, 2]] != e["inner"]["z"][:, [0, 2]]], 1)
    new_c1 = np.bincount(c[c[:, 1] != 2, 1], minlength=5) / max(int(np.sum(c[:, 1] != 2)), 1)
    up_z2 = float(np.mean(z[z[:, 2] != 4, 2] > 4))
    off = r - e["inner"]["r"]
    n_changed = np.bincount(changed.sum(1), minlength=6)[:6] / len(c)
    return changed.mean(0), n_changed, new_c1, up_z2, off.mean(0), off.std(0)


def test_change_rates_match_mutate():
    """4000 mutants from each (fixed seeds): the same per-variable change rate, 1/N' + (1 - 1/N')^N' / N'
    (drawn, or the one forced), the same number of changes per mutant, categories uniform over the
    others, integer steps +-1 at random (inwards at a bound), reals elite + sigma N(0, 1)."""
    n = 4000
    theta = STAT_SPACE.initial_theta()
    sigma = Gaussian(np.zeros(2), 1.0).mean_sigma(theta["inner"]["r"])[1]
    rng = np.random.default_rng(2024)
    loop = [mutate(STAT_SPACE, theta, STAT_ELITE, rng) for _ in range(n)]
    one = {"c": np.concatenate([x["c"] for x in loop])}
    one["inner"] = {k: np.concatenate([x["inner"][k] for x in loop]) for k in ("z", "r")}
    many = mutate_many(STAT_SPACE, theta, STAT_ELITE, n, np.random.default_rng(7))
    assert np.all(many["inner"]["z"][:, 1] == 0) and np.all(many["c"][:, 2] == 0)  # never changed
    expected = 1 / 5 + (4 / 5) ** 5 / 5
    for stats in (_statistics(one), _statistics(many)):
        rate, n_changed, new_c1, up_z2, mean, std = stats
        assert np.all(np.abs(rate - expected) < 0.03)  # binomial std 0.007
        assert n_changed[0] == 0 and abs(n_changed[1] - (0.8**5 + 5 * 0.2 * 0.8**4)) < 0.03
        assert new_c1[2] == 0 and np.all(np.abs(new_c1[[0, 1, 3, 4]] - 0.25) < 0.05)
        assert abs(up_z2 - 0.5) < 0.06
        assert np.all(np.abs(mean) < 0.1 * sigma) and np.all(np.abs(std / sigma - 1) < 0.06)
    for a, b in zip(_statistics(one), _statistics(many)):
        assert np.all(np.abs(np.asarray(a) - np.asarray(b)) < 0.06)
    assert np.all(one["inner"]["z"][:, 0] >= 0) and np.all(many["inner"]["z"][:, 0] >= 0)  # inwards at low
    assert np.all(np.isin(many["inner"]["z"][:, 0], [0.0, 1.0]))


def test_shifted_integers_keep_their_unchanged_values():
    """An Integer whose bounds make it shifted (origin = (low + high) / 2, a half-integer) is
    mutated in the user's coordinates (asng-opt 0.7; before, rint in raw coordinates moved
    variables that were not mutated by one, and mutated ones by two)."""
    dist = Integer(0, 100001, size=4)
    elite, _ = dist.check_samples(np.array([[3, 4, 5, 6]]))
    batch = mutate_many(dist, dist.initial_theta(), elite, 50, np.random.default_rng(0))
    assert np.mean(np.sum(dist.decode(batch) != dist.decode(elite), axis=1)) < 1.5  # about 1.3 expected
    check_mutants(dist, elite, batch, 50)


# ---- BlackBoxASNG -------------------------------------------------------------------------------


def test_add_mutants_draws_the_batch_tail_with_mutate_many():
    dist = STAT_SPACE
    el = Elitism(dist)
    el.elite = (STAT_ELITE, 1.0)
    theta = dist.initial_theta()
    raw = dist.sample(theta, 8, np.random.default_rng(0))
    out = el.add_mutants(theta, raw, np.random.default_rng(5), m=3)
    tail = mutate_many(dist, theta, STAT_ELITE, 3, np.random.default_rng(5))
    for got, drawn, mutants in zip(collect(dist, out), collect(dist, raw), collect(dist, tail)):
        assert deep_equal(got[:5], drawn[:5]) and deep_equal(got[5:], mutants)
    assert len(el.mutants) == 3 and deep_equal(el.mutants[2]["inner"]["r"], tail["inner"]["r"][2:])


def test_the_batch_tail_is_compared_with_the_mutants_as_samples_equal_does():
    """All at once where the layouts agree, one by one otherwise: the same answer either way."""
    tail = {"a": np.array([[1, 2], [3, 4], [5, 6]]), "b": {"r": np.array([[0.5], [1.5], [2.5]])}}

    def row(i, a=None, r=None):
        return {"a": tail["a"][i : i + 1] if a is None else np.array([a]), "b": {"r": np.array([[r or 0.5 + i]])}}

    cases = [
        [row(0), row(1), row(2)],
        [row(0), row(1, a=[3, 5]), row(2, r=9.0)],
        [row(0), {"a": tail["a"][1:2]}, row(2)],  # another layout: compared one by one
        [row(0), row(1, a=[3, 4, 0]), row(2)],
        [row(0), {"a": np.array([["3", "4"]]), "b": {"r": np.array([[1.5]])}}, row(2)],
        [row(0), tail["a"][1:2], row(2)],
    ]
    for mutants in cases:
        expected = [samples_equal(take(tail, i), x) for i, x in enumerate(mutants)]
        assert _is_each(tail, mutants).tolist() == expected
    assert [_is_each(tail, c).tolist() for c in cases[:3]] == [[True] * 3, [True, False, False], [True, False, True]]


def _digest(h, raw):
    if isinstance(raw, dict):
        for key in sorted(raw):
            _digest(h, raw[key])
        return
    a = np.asarray(raw)
    h.update((np.round(a, 6) + 0.0).astype("<f8").tobytes() if a.dtype.kind == "f" else a.astype("<i8").tobytes())


REPLAY_SPACES = {
    "cat": (Categorical([3] * 16), lambda r: [float(np.sum(x != np.arange(16) % 3) // 4) for x in r]),
    "mixed": (
        Product(c=Categorical([2, 3, 1, 4]), inner=Product(z=Integer(-2, 2, size=3), r=Gaussian(np.zeros(2), 1.0))),
        lambda r: [
            float(np.sum(r["c"][j] != 1) // 2 + np.sum(np.abs(r["inner"]["z"][j])) // 2) for j in range(len(r["c"]))
        ],
    ),
}
# sha256 (first 16 hex digits) of the raw asks, recorded from asng-opt before mutate_many: with
# mutant_share=None (40 updates, one mutant per stalled batch), and with share 0.5 (the default then) up to
# (not including) the first ask with two mutants (that ask and later ones draw from mutate_many).
RECORDED = {
    ("cat", None): (40, "1d896a5a8486b9ab"),
    ("cat", 0.5): (10, "efbd45295feed226"),
    ("mixed", None): (40, "333e0f26bea1c21a"),
    ("mixed", 0.5): (7, "2ae69ef2e16b669f"),
}


@pytest.mark.parametrize("name, share", list(RECORDED))
def test_one_mutant_runs_replay_as_recorded(name, share):
    dist, loss = REPLAY_SPACES[name]
    # recorded before 0.7, whose real step counted the elite twice when it was the batch's own sample
    # and whose integers had appendix D's sigma_min, ASNG's step and an elite joining the update at
    # its raw draws (int_margin=False, int_update="asng", elite_integers=False: before 0.8), whose
    # integer mutants moved by +-1 (int_steps="unit": before 0.9)
    # and whose elite and mutants entered the CMA steps unclipped (clip_injected=False: before 0.11)
    # and whose integers started at half their range (int_sigma0=0.5: before 0.13)
    # and whose CMA-ES updated C with positive weights alone (active_cma=False: before 0.14)
    before_0_8 = dict(
        elite_integers=False, int_margin=False, int_update="asng", int_steps="unit", clip_injected=False,
        int_sigma0=0.5, active_cma=False,
    )  # fmt: skip
    opt = BlackBoxASNG(dist, seed=11, mutant_share=share, real_elite_twice=True, **before_0_8)
    h, n, mutants = hashlib.sha256(), 0, 0
    for _ in range(40):
        opt.ask()
        raw = opt._pending[1]
        if len(opt._elitism.mutants) >= 2:
            break
        mutants += len(opt._elitism.mutants)
        _digest(h, raw)
        n += 1
        opt.tell(opt._pending[0], loss(raw))
    assert mutants > 0  # the recorded run had one-mutant batches
    assert (n, h.hexdigest()[:16]) == RECORDED[name, share]


# a fresh default optimizer takes the dict's settings (and warns which)
@pytest.mark.filterwarnings("ignore:BlackBoxASNG.load_state_dict:UserWarning")
def test_resume_with_several_mutants_is_bit_identical_from_every_point():
    """The default options on a nested space with a fixed variable and a real one, stalled until
    most of each batch is mutants: saved after every tell and between every ask and its tell, a
    fresh optimizer continues exactly as the original."""
    dist = Product(c=Categorical([3, 1, 4, 2]), inner=Product(z=Integer([0, 2], [3, 2]), r=Gaussian(np.zeros(1), 1.0)))

    def losses(x):
        return [float(np.sum(x["c"][j] != 1) // 3) for j in range(len(x["c"]))]

    ref = BlackBoxASNG(dist, lam=10, seed=3)
    saves, asks, told = [], [], []
    for _ in range(24):
        saves.append(pickle.dumps(ref.state_dict()))
        x = ref.ask()
        saves.append(pickle.dumps(ref.state_dict()))
        asks.append(copy.deepcopy(x))
        told.append(losses(x))
        ref.tell(x, told[-1])
    final = ref.state_dict()
    assert max(len(pickle.loads(s)["elitism"]["mutants"]) for s in saves) >= 3
    for i, saved in enumerate(saves):
        opt = BlackBoxASNG(dist, seed=99)
        opt.load_state_dict(pickle.loads(saved))
        step = i // 2
        if i % 2:
            opt.tell(asks[step], told[step])
            step += 1
        for j in range(step, len(asks)):
            x = opt.ask()
            assert deep_equal(x, asks[j])
            opt.tell(x, told[j])
        assert deep_equal(opt.state_dict(), final)
