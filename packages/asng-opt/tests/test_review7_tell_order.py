"""Review 6 #12: a tell of the last ask's samples in another order (results arriving
``as_completed``) is matched to them as a multiset: the update is bit-identical to the in-order
tell, for every optimizer (BlackBoxASNG's mutants included), with duplicated samples, and with a
Space's own dicts or copies of them."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, SNG, AdamNG, Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space
from asng_opt.blackbox import BlackBoxASNG

DISTS = {
    "integer": lambda: Integer(0, 10, size=2),
    "integer-shifted": lambda: Integer(-300000, 300001, size=2),
    "categorical": lambda: Categorical([3, 2, 4]),
    "binary": lambda: Categorical([2]),  # lam = 8 samples of 2 points: duplicates in every batch
    "gaussian": lambda: Gaussian(0.0, 1.0, size=2),
    "product": lambda: Product(c=Categorical([3, 2]), z=Integer(0, 6), r=Gaussian(0.5, 0.3, low=0, high=1)),
    "space": lambda: Space(a=Choice(["x", "y", "z"]), b=IntRange(0, 10, step=2), c=FloatRange(1e-3, 1.0, log=True)),
}
OPTIMIZERS = {
    "asng": lambda d, s: ASNG(d, lam=8, seed=s),
    "sng": lambda d, s: SNG(d, lam=8, seed=s),
    "adam": lambda d, s: AdamNG(d, lam=8, seed=s),
    "blackbox": lambda d, s: BlackBoxASNG(d, lam=8, seed=s),
}


def _loss(x):
    """A deterministic objective with plateaus (so that BlackBoxASNG's elite stalls and mutants
    become due), on any sample layout."""
    if isinstance(x, dict):
        return sum(_loss(v) for k, v in sorted(x.items(), key=lambda kv: kv[0]))
    if isinstance(x, str):
        return float(ord(x) % 3)
    return float(np.floor(np.sum(np.abs(np.asarray(x, dtype=float) - 1.0)) * 2) / 2)


def _rows(batch):
    if isinstance(batch, list):
        return list(batch)
    if isinstance(batch, dict):
        k = len(next(iter(batch.values())))
        return [{key: np.asarray(v)[j] for key, v in batch.items()} for j in range(k)]
    return list(np.asarray(batch))


def _take(batch, perm):
    if isinstance(batch, list):
        return [batch[i] for i in perm]
    if isinstance(batch, dict):
        return {k: _take(v, perm) for k, v in batch.items()}
    return np.asarray(batch)[perm]


def _state(o):
    sd = o.state_dict()
    out = {k: sd[k] for k in ("state", "t", "n_skipped", "rng", "pending")}
    out.update({k: sd.get(k) for k in ("elite", "elitism")})
    return out


def _equal(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.tobytes() == b.tobytes()  # bit-identical, -0.0 included
    return a == b


def _run(opt_name, dist_name, seed, rounds, permute, copies=False):
    o = OPTIMIZERS[opt_name](DISTS[dist_name](), seed)
    rng = np.random.default_rng(seed + 100)
    mutants = 0
    for _ in range(rounds):
        batch = o.ask()
        mutants += len(getattr(getattr(o, "_elitism", None), "mutants", []))
        losses = np.array([_loss(x) for x in _rows(batch)])
        perm = rng.permutation(len(losses)) if permute else np.arange(len(losses))
        told = _take(batch, perm)
        if copies:
            told = copy.deepcopy(told)
        o.tell(told, losses[perm])
    return o, mutants


@pytest.mark.parametrize("dist_name", list(DISTS))
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_reordered_tell_is_bit_identical_to_in_order(opt_name, dist_name):
    a, mutants = _run(opt_name, dist_name, 3, 25, permute=False)
    b, _ = _run(opt_name, dist_name, 3, 25, permute=True)
    assert _equal(_state(a), _state(b))
    if opt_name == "blackbox" and dist_name != "gaussian":
        assert mutants > 0  # the mutants, identified in the ask's order, were in the shuffled batches


@pytest.mark.parametrize("dist_name", ["space", "product", "integer"])
def test_reordered_copies_are_matched_too(dist_name):
    a, _ = _run("blackbox", dist_name, 5, 20, permute=False)
    b, _ = _run("blackbox", dist_name, 5, 20, permute=True, copies=True)
    assert _equal(_state(a), _state(b))


def test_the_review_reproducer():
    o1, o2 = ASNG(Integer(0, 10, size=2), seed=0, lam=4), ASNG(Integer(0, 10, size=2), seed=0, lam=4)
    for _ in range(20):
        c1, c2 = o1.ask(), o2.ask()
        loss = np.abs(c1 - 3).sum(1).astype(float)
        o1.tell(c1, loss)
        p = [1, 0, 3, 2]
        o2.tell(c2[p], loss[p])
    assert np.array_equal(o1.theta, o2.theta)


def test_duplicates_with_different_values_are_matched_first_to_first():
    """Equal samples told with different values (a noisy objective): each gets one of the raw
    draws behind that value; in order, exactly as before."""
    o1, o2 = ASNG(Categorical([2]), lam=6, seed=1), ASNG(Categorical([2]), lam=6, seed=1)
    c1, c2 = o1.ask(), o2.ask()
    assert len(np.unique(c1)) < len(c1)
    f = np.arange(6, dtype=float)
    o1.tell(c1, f)
    o2.tell(c2[::-1], f[::-1])
    assert np.array_equal(o1.theta, o2.theta)


def test_a_subset_or_foreign_samples_are_used_as_given():
    o = ASNG(Integer(0, 10, size=2), seed=0, lam=4)
    ref = ASNG(Integer(0, 10, size=2), seed=0, lam=4)
    c, _ = o.ask(), ref.ask()
    ref._pending = None  # ref tells the rounded samples as foreign ones
    o.tell(c[:3], [1.0, 2.0, 3.0])
    ref.tell(c[:3], [1.0, 2.0, 3.0])
    assert np.array_equal(o.theta, ref.theta)


def test_an_edited_own_dict_is_encoded_as_given():
    space = DISTS["space"]()
    o = ASNG(space, lam=4, seed=0)
    ref = ASNG(space, lam=4, seed=0)
    c, rc = o.ask(), ref.ask()
    c[0]["b"] = 10 if c[0]["b"] != 10 else 0  # edited in place: no longer the ask's sample
    rc[0]["b"] = c[0]["b"]
    ref._asked = None
    ref._pending = None
    o.tell(c[::-1], [4.0, 3.0, 2.0, 1.0])
    ref.tell(rc[::-1], [4.0, 3.0, 2.0, 1.0])
    assert _equal(o.theta, ref.theta)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(list(DISTS)), st.sampled_from(list(OPTIMIZERS)), st.integers(0, 2**16))
def test_property_any_permutation_any_round(dist_name, opt_name, seed):
    a, _ = _run(opt_name, dist_name, seed, 6, permute=False)
    b, _ = _run(opt_name, dist_name, seed, 6, permute=True, copies=bool(seed % 2))
    assert _equal(_state(a), _state(b))


# ---- review 6 #16: no encoding of the ask's own configurations, one decoding per ask -------------


def test_own_configurations_are_decoded_once_and_never_encoded(monkeypatch):
    space = DISTS["space"]()  # FloatRange: covariance="full", whose ask used to decode twice
    o = BlackBoxASNG(space, lam=6, seed=0)
    calls = {"encode": 0, "decode": 0}
    encode, decode = Space.encode, Space.decode

    def counted_encode(self, configs):
        calls["encode"] += 1
        return encode(self, configs)

    def counted_decode(self, batch):
        calls["decode"] += 1
        return decode(self, batch)

    monkeypatch.setattr(Space, "encode", counted_encode)
    monkeypatch.setattr(Space, "decode", counted_decode)
    for _ in range(12):  # the elite stalls on the plateaus: mutants are drawn too
        c = o.ask()
        o.tell(c[::-1], [_loss(x) for x in c[::-1]])
    assert calls == {"encode": 0, "decode": 12}
    c = o.ask()
    o.tell(copy.deepcopy(c), [_loss(x) for x in c])  # copies: encoded, then the ask's batch once
    assert calls == {"encode": 2, "decode": 13}


def test_cache_keys_are_those_of_asng_opt_0_6():
    """The evaluation cache's keys, hashed in one pass now, are the same digests (recorded with 0.6)."""
    from asng_opt._cache import sample_key

    assert sample_key({"b": 2, "a": "x", "c": 1.5, "d": None, "e": True}).hex() == "4597da5ae867b1d6941cec8ff850ca6c"
    assert sample_key({"z": {"r": np.array([0.5, 1.0])}, "k": (1, "q")}).hex() == "34622948a6e627d99f7d86409f79dd50"
    assert sample_key([{"x0": 1, "x1": 0}, np.int64(3)]).hex() == "1e76a17add6e76fc7bada53d0dc314cd"
    a, b = {"x": 1, "y": 2}, {"y": 2, "x": 1}  # the remembered key order follows each layout
    assert sample_key(a) == sample_key(b) == sample_key(dict(a)) != sample_key({"x": 2, "y": 1})
