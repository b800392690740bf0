"""The search spaces whose ask()+tell() overhead is measured."""

from __future__ import annotations

from typing import Any, Callable

from asng_opt import ASNG, SNG, AdamNG, Categorical, Integer, Product

__all__ = ["cifar_categories", "inpainting_int_space", "large_spaces", "ask_tell_cases"]


def cifar_categories() -> list[int]:
    """The CIFAR-10 cell space: per node i (0-4) two inputs of 2 + i and two ops of 5, two cells."""
    return [m for i in range(5) for m in (2 + i, 2 + i, 5, 5)] * 2


def inpainting_int_space() -> Product:
    """The inpainting Int space of the paper (n_theta = 174)."""
    conn = [min(i, 5) for i in range(2, 21)] + [5]
    return Product(cat=Categorical([2] * 20 + conn), ints=Integer([1] * 20 + [64] * 20, [3] * 20 + [256] * 20))


def large_spaces() -> dict[str, list[int]]:
    """Spaces with one long categorical variable (the largest m that must stay fast and small)."""
    return {"1 variable, 20,000 categories": [20000], "3 variables, 5 / 20,000 / 3 categories": [5, 20000, 3]}


def ask_tell_cases() -> dict[str, Callable[[], Any]]:
    """Name -> a fresh optimizer (seed 0) for the ask()+tell() table."""
    return {
        "ASNG, CIFAR-10 cell space (n_theta=140)": lambda: ASNG(Categorical(cifar_categories()), seed=0),
        "ASNG, 250 x 5 categorical (n_theta=1000)": lambda: ASNG(Categorical([5] * 250), seed=0),
        "ASNG, inpainting Int product (n_theta=174)": lambda: ASNG(inpainting_int_space(), seed=0),
        "SNG, CIFAR-10 cell space (n_theta=140)": lambda: SNG(Categorical(cifar_categories()), seed=0),
        "AdamNG, CIFAR-10 cell space (n_theta=140)": lambda: AdamNG(Categorical(cifar_categories()), seed=0),
    }
