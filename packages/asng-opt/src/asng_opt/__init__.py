"""asng_opt: the Adaptive Stochastic Natural Gradient method (Akimoto, Shirakawa et al., ICML 2019).

Distributions in expectation parameters (:class:`Categorical`, :class:`Gaussian`,
:class:`Integer`, :class:`Product`), the ranking utility, and three ask/tell optimizers:
:class:`ASNG` (adaptive step size), :class:`SNG` (constant step) and :class:`AdamNG`;
:class:`BlackBoxASNG`, the configuration :func:`minimize` runs by default; named search spaces
(:class:`Space`, :class:`Choice`, :class:`IntRange`, :class:`FloatRange`).
The batch-capable update rules are in :mod:`asng_opt.updates`.
"""

from . import blackbox, updates
from ._cache import EvaluationCache
from .blackbox import BlackBoxASNG
from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import Integer
from .minimize import MinimizeResult, ObjectiveError, minimize
from .optimizer import Optimizer
from .optimizers import ASNG, SNG, AdamNG
from .product import Product
from .ranking import ranking_utility
from .space import Choice, FloatRange, IntRange, Space

__version__ = "0.18.0"

__all__ = [
    "ASNG",
    "BlackBoxASNG",
    "SNG",
    "AdamNG",
    "Optimizer",
    "Categorical",
    "Gaussian",
    "Integer",
    "Product",
    "Distribution",
    "ranking_utility",
    "minimize",
    "EvaluationCache",
    "MinimizeResult",
    "ObjectiveError",
    "updates",
    "blackbox",
    "Space",
    "Choice",
    "IntRange",
    "FloatRange",
]
