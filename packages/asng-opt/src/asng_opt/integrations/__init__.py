"""Integrations of asng_opt with other libraries; each submodule imports its library, this package none.

* :mod:`asng_opt.integrations.optuna` -- ``ASNGSampler``, an optuna sampler
  (``pip install "asng-opt[optuna]"``).
"""
