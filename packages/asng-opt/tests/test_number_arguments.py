"""Every argument checked as a real number refuses a complex number (float() took its real part,
with a warning) and an int beyond float64's range (float() raised OverflowError) with a ValueError
naming the argument, as it refuses a string or a bool (a review of asng-opt 0.17.1)."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import ASNG, SNG, AdamNG, Categorical, EvaluationCache, Integer, Product
from asng_opt.blackbox import BlackBoxASNG

CASES = [
    (ASNG, "alpha"),
    (ASNG, "delta0"),
    (ASNG, "delta_max"),
    (SNG, "delta"),
    (AdamNG, "lr"),
    (AdamNG, "eps"),
    (BlackBoxASNG, "mutant_share"),
    (BlackBoxASNG, "int_sigma0"),
]
BAD = [1 + 2j, np.complex128(0.5), 10**400, -(10**400)]
IDS = ["complex", "np.complex128", "10**400", "-10**400"]


@pytest.mark.parametrize("cls, name", CASES)
@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_numeric_arguments_refuse_complex_and_overflowing_values(cls, name, bad):
    dist = Product({"c": Categorical([3]), "z": Integer([0], [9])})
    with pytest.raises(ValueError, match=rf"{name} must be a number \(a real one"):
        cls(dist, **{name: bad})


@pytest.mark.parametrize("name", ["beta1", "beta2"])
@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_adam_betas_refuse_them_too(name, bad):
    with pytest.raises(ValueError, match=rf"AdamNG: {name} must be a number \(a real one"):
        AdamNG(Categorical([3]), **{name: bad})


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_the_cache_refuses_them(bad):
    cache = EvaluationCache()
    with pytest.raises(ValueError, match="EvaluationCache.put: value must be a number"):
        cache.put(b"k", bad)
    assert len(cache) == 0
