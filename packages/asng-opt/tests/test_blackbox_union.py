"""BlackBoxASNG's neutral union (asng-opt 0.7, ``neutral_union=True``): after a tell whose best ties
the elite with two or more neutral mutants, the next ask's last mutant is the new elite with the
other neutral mutants' categorical and integer changes applied; it is saved for a resume."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, Gaussian, Integer, Product
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox.elite import neutral_union


def test_neutral_union_applies_discrete_changes_only():
    dist = Product(c=Categorical([3, 3, 3, 3]), inner=Product(z=Integer(0, 9, size=3), r=Gaussian(np.zeros(2), 1.0)))
    base = {"c": np.array([[0, 0, 0, 0]]), "inner": {"z": np.array([[5.0, 5.0, 5.0]]), "r": np.array([[0.0, 0.0]])}}
    best = {"c": np.array([[1, 0, 0, 0]]), "inner": {"z": np.array([[5.0, 5.0, 5.0]]), "r": np.array([[0.1, 0.2]])}}
    a = {"c": np.array([[0, 0, 2, 0]]), "inner": {"z": np.array([[5.0, 5.0, 5.0]]), "r": np.array([[0.3, 0.4]])}}
    b = {"c": np.array([[0, 0, 0, 0]]), "inner": {"z": np.array([[5.0, 6.0, 5.0]]), "r": np.array([[0.5, 0.6]])}}
    before = [
        {k: (v.copy() if k == "c" else {q: w.copy() for q, w in v.items()}) for k, v in x.items()}
        for x in (base, best, a, b)
    ]
    u = neutral_union(dist, best, base, [a, b])
    assert u["c"].tolist() == [[1, 0, 2, 0]]
    assert u["inner"]["z"].tolist() == [[5.0, 6.0, 5.0]]
    assert u["inner"]["r"].tolist() == [[0.1, 0.2]]  # reals: best's
    for x, y in zip((base, best, a, b), before):  # nothing modified
        assert np.array_equal(x["c"], y["c"]) and np.array_equal(x["inner"]["z"], y["inner"]["z"])


def constant_run(union: bool, dist=None, lam: int = 8, seed: int = 0, tells: int = 12):
    """Asks of an optimizer told a constant loss: every mutant ties the elite (all neutral)."""
    dist = dist if dist is not None else Categorical([2] * 12)
    opt = BlackBoxASNG(dist, lam=lam, seed=seed, mutant_share=1.0, neutral_union=union)
    asks = []
    for _ in range(tells):
        x = opt.ask()
        asks.append((np.array(x, copy=True), list(opt._elitism.mutants), opt._elitism.union))
        opt.tell(x, np.zeros(lam))
    return opt, asks


def test_the_next_ask_ends_with_the_union_of_the_neutral_mutants():
    _, with_union = constant_run(True)
    _, without = constant_run(False)
    first = next(i for i, (a, b) in enumerate(zip(with_union, without)) if not np.array_equal(a[0], b[0]))
    x, y = with_union[first][0], without[first][0]
    assert np.array_equal(x[:-1], y[:-1])  # the same draws and mutants but the last
    mutants = with_union[first][1]
    assert len(mutants) >= 2 and np.array_equal(mutants[-1][0], x[-1])
    # the union is the previous tell's new elite with the other neutral mutants' changes
    prev_x, prev_mutants, _ = with_union[first - 1]
    assert len(prev_mutants) >= 2
    base = None
    opt = BlackBoxASNG(Categorical([2] * 12), lam=8, seed=0, mutant_share=1.0)
    for j in range(first - 1):
        xx = opt.ask()
        opt.tell(xx, np.zeros(8))
    base = opt.elite[0]
    xx = opt.ask()
    assert np.array_equal(xx, prev_x)
    k = len(prev_mutants)
    expected = neutral_union(opt.distribution, xx[-1:], base, [xx[i : i + 1] for i in range(8 - k, 8)])
    assert np.array_equal(expected[0], x[-1])
    assert not np.array_equal(x[-1], y[-1])


def test_no_union_without_a_mutant_share_or_when_the_elite_improves():
    opt = BlackBoxASNG(Categorical([2] * 12), lam=8, seed=0, mutant_share=None)
    for _ in range(10):
        opt.tell(opt.ask(), np.zeros(8))
        assert opt._elitism.union is None
    opt = BlackBoxASNG(Categorical([2] * 12), lam=8, seed=0, mutant_share=1.0)
    loss = 100.0
    for _ in range(10):  # every tell improves: its best never ties the elite
        x = opt.ask()
        loss -= 1.0
        opt.tell(x, np.full(8, loss) - np.arange(8) * 1e-3)
        assert opt._elitism.union is None


@pytest.mark.parametrize("seed", range(3))
def test_resume_with_a_pending_union_is_exact(seed):
    dist = Product(c=Categorical([3, 2, 4, 2]), z=Integer(0, 4, size=2), r=Gaussian(np.zeros(1), 1.0))
    opt = BlackBoxASNG(dist, lam=8, seed=seed, mutant_share=1.0)
    found = False
    for _ in range(30):
        raw = opt.ask()
        f = [float(np.sum(np.asarray(raw["c"][j]) == 0)) for j in range(8)]  # flat: many ties
        opt.tell(raw, f)
        if opt._elitism.union is not None:
            found = True
            sd = opt.state_dict()
            assert sd["elitism"]["union"] is not None
            twin = BlackBoxASNG(dist, lam=8, seed=99, mutant_share=1.0)
            twin.load_state_dict(sd)
            a, b = opt.ask(), twin.ask()
            for k in ("c", "z", "r"):
                assert np.array_equal(a[k], b[k])
            opt.tell(a, [0.0] * 8)
            twin.tell(b, [0.0] * 8)
    assert found


def test_bad_or_old_saved_unions():
    dist = Categorical([2] * 12)
    opt, _ = constant_run(True, tells=8)
    sd = opt.state_dict()
    assert sd["hyper"]["neutral_union"] is True
    bad = dict(sd, elitism=dict(sd["elitism"], union=np.zeros((2, 12), dtype=int)))
    fresh = BlackBoxASNG(dist, lam=8, seed=5, mutant_share=1.0)
    before = fresh.state_dict()
    with pytest.raises(ValueError, match="invalid 'elitism' 'union'"):
        fresh.load_state_dict(bad)
    after = fresh.state_dict()
    assert after["t"] == before["t"] and np.array_equal(after["state"]["theta"], before["state"]["theta"])
    with pytest.raises(ValueError, match="neutral_union must be True or False"):
        BlackBoxASNG(dist, neutral_union=1)
    # a dict of asng-opt 0.6: no union, no neutral_union: it continues with the rule it ran with
    old = dict(sd, hyper={k: v for k, v in sd["hyper"].items() if k not in ("neutral_union", "real_elite_twice")})
    old["elitism"] = {k: v for k, v in sd["elitism"].items() if k != "union"}
    loaded = BlackBoxASNG(dist, lam=8, seed=5, mutant_share=1.0)
    loaded.load_state_dict(old)
    assert loaded.neutral_union is False and loaded._elitism.union is None


def _told_elitism(dist, elite_raw, mutants, raw, f):
    """An Elitism with ``elite_raw`` (value 1.0, stalled) whose last ask's mutants are ``mutants``,
    told the batch ``raw`` / ``f`` with the union on; returns it after commit."""
    from asng_opt.blackbox.elite import Elitism

    e = Elitism(dist)
    e.elite, e.stall = (elite_raw, 1.0), 5
    e.mutants = mutants
    raw, f = e.without_rejected_mutants(raw, f, False)
    e.propose(raw, f, False, ties_to_mutants=True, union=True)
    e.commit()
    return e


def test_integer_changes_are_seen_from_an_unrounded_elite():
    """An elite drawn from p_theta keeps its raw, unrounded integers; its mutants start from the
    rounded ones: their changes are compared as the objective sees the values."""
    d = Integer(0, 9, size=3)
    mutants = [np.array([[6.0, 5.0, 5.0]]), np.array([[5.0, 5.0, 4.0]])]
    raw = np.array([[1.2, 7.7, 3.3], [8.1, 0.4, 2.2], [6.0, 5.0, 5.0], [5.0, 5.0, 4.0]])
    e = _told_elitism(d, np.array([[5.3, 4.8, 5.1]]), mutants, raw, np.array([3.0, 2.0, 1.0, 1.0]))
    assert e.elite[0].tolist() == [[5.0, 5.0, 4.0]]
    assert e.union.tolist() == [[6.0, 5.0, 4.0]]


def test_a_union_equal_to_an_evaluated_sample_is_dropped():
    d = Categorical([2, 2, 2, 2])
    a, b = np.array([[1, 1, 0, 0]]), np.array([[1, 0, 0, 0]])
    raw = np.concatenate([np.array([[0, 1, 1, 1], [1, 1, 1, 1]]), a, b])
    e = _told_elitism(d, np.array([[0, 0, 0, 0]]), [a, b], raw, np.array([3.0, 2.0, 1.0, 1.0]))
    assert e.elite[0].tolist() == [[1, 0, 0, 0]] and e.union is None  # the union [1, 1, 0, 0] is a
    c = np.array([[0, 0, 1, 0]])
    raw = np.concatenate([np.array([[0, 1, 1, 1], [1, 1, 1, 1]]), c, b])
    e = _told_elitism(d, np.array([[0, 0, 0, 0]]), [c, b], raw, np.array([3.0, 2.0, 1.0, 1.0]))
    assert e.union.tolist() == [[1, 0, 1, 0]]


def test_inconsistent_saved_unions_are_refused():
    dist = Product(c=Categorical([2] * 6), z=Integer(0, 9, size=2))
    opt = BlackBoxASNG(dist, lam=8, seed=1, mutant_share=1.0)
    union_sd = None
    for _ in range(40):
        raw = opt.ask()
        opt.tell(raw, [float(np.sum(raw["c"][j])) // 3 for j in range(8)])
        if opt._elitism.union is not None:
            union_sd = opt.state_dict()
            break
    assert union_sd is not None
    u = union_sd["elitism"]["union"]

    def with_union(v, **over):
        sd = dict(union_sd, elitism=dict(union_sd["elitism"], union=v))
        sd.update(over)
        return sd

    cases = {
        "without an elite": with_union(u, elite=None),
        "neutral_union=True": dict(with_union(u), hyper=dict(union_sd["hyper"], neutral_union=False)),
        "not laid out as the elite": with_union({**u, "zz": np.zeros((1, 2))}),
        "laid out": with_union({**u, "c": u["c"].astype(float)}),
        "in-range integer": with_union({**u, "z": np.array([[100.0, 2.0]])}),
        "integer": with_union({**u, "z": np.array([[2.5, 2.0]])}),
    }
    for what, sd in cases.items():
        fresh = BlackBoxASNG(dist, lam=8, seed=2, mutant_share=1.0, neutral_union=sd["hyper"]["neutral_union"])
        before = fresh.state_dict()
        with pytest.raises(ValueError, match="invalid 'elitism' 'union'"):
            fresh.load_state_dict(sd)
        assert fresh.state_dict()["t"] == before["t"] and fresh._elitism.union is None, what
