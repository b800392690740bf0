"""``asng-bench nas-compare``: one-shot NAS strategies (ASNG-NAS, random sampling with weight
sharing, first-order DARTS) on one ENAS-cell supernet built from ``asng_nas.nn`` primitives.

Modules: :mod:`.config` (the shared settings), :mod:`.space` (the supernet), :mod:`.data` (data and
halves), :mod:`.strategies` (the searches), :mod:`.retrain` (retraining + test error), :mod:`.runs`
(one saved (strategy, seed)), :mod:`.study` (resumable study), :mod:`.stats` (rank tests),
:mod:`.report` (CSV, table, figure), :mod:`.cli`. Needs torch, asng-nas and scipy
(``asng-bench[nas]``).
"""
