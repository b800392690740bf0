"""Review 6: an objective unbounded below over a full-covariance Gaussian keeps the state finite
(the mean rests at the +-1e30 box while C's scale moves into sigma) instead of overflowing C."""

from __future__ import annotations

import numpy as np

from asng_opt import BlackBoxASNG, Gaussian
from asng_opt._samples import all_finite
from asng_opt.blackbox import cma


def test_unbounded_below_full_covariance_stays_finite():
    o = BlackBoxASNG(Gaussian(np.zeros(2), 1.0), seed=0)
    assert o.covariance == "full"
    for _ in range(1600):  # the update overflowed C after 1,251 tells (review 6, defect 2)
        c = o.ask()
        o.tell(c, c.sum(1))
    assert all_finite(tuple(o.state))
    assert np.max(np.diag(o.state.C)) <= getattr(cma, "C_SCALE_MAX", 1e100)
    mean, _ = o.distribution.mean_sigma(o.theta)
    assert np.all(mean <= -1e29)  # it did walk to the box's edge
