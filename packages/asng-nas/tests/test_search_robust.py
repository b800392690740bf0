"""A search never trains on a NaN distribution: ASNG stays finite on the smallest spaces, and a
non-finite loss stops the search with a clear error and the last checkpoint intact."""

import numpy as np
import pytest
import torch

from asng_nas.classification.data import load_digits
from asng_nas.classification.task import build_search
from asng_nas.search.searcher import SearchConfig
from asng_nas.search.space import Choice, SearchSpace
from asng_opt import ASNG

torch.set_num_threads(1)


@pytest.mark.parametrize("n_choices", [2, 3])
def test_single_choice_space_stays_finite_over_long_noisy_searches(n_choices):
    """A space with one Choice went NaN in several of 100 runs of 2,000 iterations (beta > 1)."""
    space = SearchSpace(op=Choice(range(n_choices)))
    for seed in range(10):
        opt = ASNG(space.make_distribution(), seed=seed)
        rng = np.random.default_rng(seed)
        for _ in range(2000):
            c = opt.ask()
            opt.tell(c, c[:, 0] * 0.1 + 0.5 * rng.standard_normal(2))
        sd = opt.state_dict()["state"]
        assert all(np.all(np.isfinite(v)) for v in sd.values()), (seed, sd)
        assert opt.delta <= np.sqrt(opt.distribution.n_theta)


def test_non_finite_loss_stops_the_search_and_keeps_the_checkpoint(tmp_path):
    data = load_digits()
    cfg = SearchConfig(epochs=3, seed=5, iters_per_epoch=2, progress=False)
    s = build_search(data, tmp_path, cfg, n_cells=2, channels=4, batch_size=16, max_test=32)
    s.run(stop_after=1)
    theta_after_1 = s.asng.theta.copy()
    s.task.loss = lambda out, targets: out.sum() * float("nan")
    with pytest.raises(FloatingPointError, match="checkpoint of the last complete epoch is intact"):
        s.run()
    assert np.array_equal(s.asng.theta, theta_after_1)  # theta was not told a NaN
    fresh = build_search(data, tmp_path, cfg, n_cells=2, channels=4, batch_size=16, max_test=32)
    assert fresh.resume() and fresh.epoch == 1
    assert np.array_equal(fresh.asng.theta, theta_after_1)
