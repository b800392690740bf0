"""Black-box example: ASNG on a 30 x 5 categorical problem and on a mixed categorical + integer one.

Without a ``target`` minimize spends the whole budget (restarting near the best point when the
search distribution has converged); ``res.best_at`` says which evaluation found the best point."""

import numpy as np

from asng_opt import Categorical, Integer, Product, minimize

target = np.arange(30) % 5  # the hidden optimum


def mismatches(c):  # c: (30,) ints in [0, 5)
    return float(np.sum(c != target))


res = minimize(mismatches, Categorical([5] * 30), max_evals=10_000, seed=0)
print(f"categorical 30x5: best {res.fun}, found at evaluation {res.best_at} of {res.n_evals} ({res.stop_reason})")
print("  most likely:", res.most_likely)


def mixed(s):  # s["ops"]: (8,) ints in [0, 3); s["width"]: (2,) ints in [16, 128]
    return float(np.sum(s["ops"] != 1) + np.sum(np.abs(s["width"] - [48, 96])) / 16)


space = Product(ops=Categorical([3] * 8), width=Integer(16, 128, size=2))
res = minimize(mixed, space, max_evals=20_000, seed=0)
print(f"mixed product: best {res.fun}, found at evaluation {res.best_at} of {res.n_evals} ({res.stop_reason})")
print("  most likely:", res.most_likely)
