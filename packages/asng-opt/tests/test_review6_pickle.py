"""Review 6: ASNGSampler pickles (optuna's reproducible-resume recipe) and a restored sampler
continues a study as the original would."""

from __future__ import annotations

import pickle

import pytest

optuna = pytest.importorskip("optuna")
from asng_opt.integrations.optuna import ASNGSampler  # noqa: E402


def _objective(trial):
    x = trial.suggest_int("x", 0, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return abs(x - 3) + (c != "b")


def _params(study):
    return [t.params for t in study.trials]


def test_sampler_pickles_and_resumes_identically():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = ASNGSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=12)
    restored = pickle.loads(pickle.dumps(sampler))
    assert restored is not sampler
    copy_study = optuna.create_study(sampler=restored)
    for t in study.trials:
        copy_study.add_trial(t)
    study.optimize(_objective, n_trials=8)
    copy_study.optimize(_objective, n_trials=8)
    assert _params(study) == _params(copy_study)
    restored.current_optimizer(copy_study)  # the rebuilt lock and caches work
