"""The black-box comparison of ASNG / SNG against cmaes, optuna, nevergrad and random search."""
