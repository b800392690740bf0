"""Persistence of an optimizer seeded with any of numpy's bit generators (review fix): the saved
state names its bit generator, load_state_dict rebuilds that one, and the resumed run is
bit-identical to the uninterrupted one."""

import math
import pickle

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import ASNG, BlackBoxASNG, Categorical, Choice, FloatRange, IntRange, Space
from asng_opt._persistence import BIT_GENERATORS

SPACE = Space(opt=Choice(["a", "b", "c"]), n=IntRange(1, 9), lr=FloatRange(1e-4, 1, log=True))


def _f(p):
    return (p["opt"] != "b") + abs(p["n"] - 4) + (math.log10(p["lr"]) + 2) ** 2


def _seed(name, wrapped):
    bg = getattr(np.random, name)(7)
    return np.random.Generator(bg) if wrapped else bg


def _make(kind, seed):
    if kind == "asng":
        return ASNG(Categorical([3, 4, 2]), lam=4, seed=seed)
    return BlackBoxASNG(SPACE, seed=seed)


def _fun(kind):
    return (lambda c: float(np.sum(c))) if kind == "asng" else _f


def _rounds(opt, fun, n):
    asked = []
    for _ in range(n):
        X = opt.ask()
        asked.append(pickle.dumps(X))
        opt.tell(X, [fun(x) for x in X])
    return asked


@pytest.mark.parametrize("kind", ["asng", "blackbox"])
@pytest.mark.parametrize("wrapped", [True, False], ids=["Generator", "bare"])
@pytest.mark.parametrize("name", BIT_GENERATORS)
def test_resume_is_bit_identical_for_every_bit_generator(name, wrapped, kind):
    fun = _fun(kind)
    straight = _make(kind, _seed(name, wrapped))
    _rounds(straight, fun, 3)
    saved = pickle.loads(pickle.dumps(straight.state_dict()))
    assert saved["rng"]["bit_generator"] == name
    tail = _rounds(straight, fun, 4)

    resumed = _make(kind, seed=123)  # another seed, a PCG64: the state brings its own generator
    resumed.load_state_dict(saved)
    assert type(resumed._rng.bit_generator).__name__ == name
    assert _rounds(resumed, fun, 4) == tail
    assert deep_equal(resumed.state_dict(), straight.state_dict())


@pytest.mark.parametrize("name", BIT_GENERATORS)
def test_self_load_keeps_the_next_draws(name):
    opt = _make("asng", _seed(name, True))
    _rounds(opt, _fun("asng"), 2)
    saved = opt.state_dict()
    first = opt.ask()
    opt.load_state_dict(saved)
    assert np.array_equal(opt.ask(), first)


@pytest.mark.parametrize("bad_name", ["MyBitGen", "Generator", "default_rng", 3, None])
def test_unknown_bit_generator_name_is_refused_by_name(bad_name):
    opt = _make("asng", 0)
    good = opt.state_dict()
    rng = dict(good["rng"], bit_generator=bad_name)
    before = pickle.dumps(good)
    with pytest.raises(ValueError, match="load_state_dict") as err:
        opt.load_state_dict({**good, "rng": rng})
    if bad_name is not None:
        assert repr(bad_name) in str(err.value) and "unknown bit generator" in str(err.value)
    assert deep_equal(opt.state_dict(), pickle.loads(before))


@pytest.mark.parametrize(
    "bad",
    [
        {"bit_generator": "MT19937", "state": 3},
        {"bit_generator": "Philox"},
        {"state": {}},
        [1, 2],
        "PCG64",
    ],
)
def test_malformed_rng_state_is_refused(bad):
    opt = _make("asng", 0)
    good = opt.state_dict()
    with pytest.raises(ValueError, match="'rng'"):
        opt.load_state_dict({**good, "rng": bad})
    assert deep_equal(opt.state_dict(), good)


@pytest.mark.parametrize("name", ["MT19937", "Philox"])
def test_a_truncated_bit_generator_state_is_a_value_error(name):
    """A short key / counter array raised IndexError from numpy; it is a ValueError naming 'rng'."""
    opt = ASNG(Categorical([3] * 4), lam=4, seed=np.random.Generator(getattr(np.random, name)(0)))
    sd = opt.state_dict()
    before = opt.state_dict()
    state = sd["rng"]["state"]
    field = "key" if name == "MT19937" else "counter"
    state[field] = np.asarray(state[field])[:1]
    with pytest.raises(ValueError, match="rng"):
        opt.load_state_dict(sd)
    assert deep_equal(opt.state_dict(), before)
