"""``asng-bench samplers``: ASNGSampler against optuna's TPE, CMA-ES and random samplers on three
problems of the black-box study, at short-track budgets (:mod:`.runs`, :mod:`.study`, :mod:`.report`)."""
