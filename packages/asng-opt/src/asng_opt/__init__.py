"""asng_opt: the Adaptive Stochastic Natural Gradient method (Akimoto, Shirakawa et al., ICML 2019).

Distributions in expectation parameters (:class:`Categorical`, :class:`Gaussian`,
:class:`Integer`, :class:`Product`), the ranking utility, and three ask/tell optimizers:
:class:`ASNG` (adaptive step size), :class:`SNG` (constant step) and :class:`AdamNG`.
The batch-capable update rules are in :mod:`asng_opt.updates`.
"""

from . import updates
from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import Integer
from .minimize import MinimizeResult, ObjectiveError, minimize
from .optimizer import Optimizer
from .optimizers import ASNG, SNG, AdamNG
from .product import Product
from .ranking import ranking_utility

__version__ = "0.2.0"

__all__ = [
    "ASNG",
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
    "MinimizeResult",
    "ObjectiveError",
    "updates",
]
