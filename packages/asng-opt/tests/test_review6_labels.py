"""Review 6: minimize hands the objective and res.x a Choice's own label objects (as ask() and
most_likely do), never deep copies -- so labels that cannot be copied work too."""

from __future__ import annotations

import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from asng_opt import Choice, IntRange, Space, minimize


class Act:  # a label object without __eq__: only identity matches it
    def __init__(self, name):
        self.name = name


RELU, TANH = Act("relu"), Act("tanh")


def test_res_x_and_objective_get_the_very_label_objects():
    seen = []

    def f(p):
        seen.append(p["act"])
        return (p["act"].name != "tanh") + p["k"]

    res = minimize(f, Space(act=Choice([RELU, TANH]), k=IntRange(1, 4)), max_evals=40, seed=0)
    assert res.x["act"] is TANH
    assert seen and all(a is RELU or a is TANH for a in seen)


@pytest.mark.parametrize("mode", ["serial", "threads", "vectorized"])
def test_uncopyable_labels_are_evaluated(mode):
    space = Space(mod=Choice([math, json]), lock=Choice([threading.Lock(), None]), k=IntRange(1, 4))
    kw = {"max_evals": 24, "seed": 0, "lam": 4}
    if mode == "vectorized":
        res = minimize(lambda ps: [p["k"] for p in ps], space, vectorized=True, **kw)
    elif mode == "threads":
        with ThreadPoolExecutor(2) as ex:
            res = minimize(lambda p: p["k"], space, executor=ex, **kw)
    else:
        res = minimize(lambda p: p["k"], space, **kw)
    assert res.x["mod"] in (math, json)
    assert all(not rec.get("failures") for rec in res.history)


def test_editing_the_configuration_dict_does_not_reach_res_x():
    def f(p):
        y = p["k"]
        p["k"] = 99  # the dict is the objective's own
        return y

    res = minimize(f, Space(act=Choice([RELU, TANH]), k=IntRange(1, 4)), max_evals=24, seed=0, lam=4)
    assert 1 <= res.x["k"] <= 4
