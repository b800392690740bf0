"""Review 6: error messages that name the real problem."""

from __future__ import annotations

import pytest

from asng_opt import Gaussian


@pytest.mark.parametrize(("mean", "sigma"), [(1.5, 0.1), (5.0, 1.0), (-2.0, 0.5)])
def test_gaussian_mean_outside_bounds_is_named(mean, sigma):
    with pytest.raises(ValueError, match=r"mean=.* is outside \[low, high\] = \[-1, 1\]"):
        Gaussian(mean, sigma, low=-1, high=1)


def test_gaussian_mean_on_a_bound_is_accepted():
    g = Gaussian([1.0, -1.0], 0.1, low=-1, high=1)
    assert g.n_variables == 2


def test_executor_whose_submit_returns_a_value_is_named():
    import numpy as np

    from asng_opt import Categorical, ObjectiveError, minimize

    class Pool:
        def submit(self, fn, *args):
            return fn(*args)  # the value, not a Future

    with pytest.raises(ObjectiveError, match=r"Pool\.submit returned float, not a concurrent\.futures\.Future"):
        minimize(lambda c: float(np.sum(c)), Categorical([3] * 4), executor=Pool(), max_evals=40, seed=0)
