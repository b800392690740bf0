"""GPU readiness check: ``python -m asng_nas.gpu_check [--device cuda] [--out DIR] [--tiny]``.

Needs only torch, numpy and the two asng packages (no data set, no download, no tqdm, no
scikit-learn), so it runs on a machine that has torch preinstalled and the repository copied
(``PYTHONPATH=packages/asng-opt/src:packages/asng-nas/src``; see ``docs/gpu_check.md``). On
CIFAR-shaped synthetic data (3 x 32 x 32, 10 classes) it

1. runs one search epoch (:func:`asng_nas.classification.task.build_search`) and one retraining
   epoch of the architecture found (:func:`asng_nas.classification.retrain.retrain`) with bf16
   autocast and channels_last (the package applies both on CUDA only), checks that their losses
   are finite and measures images/s;
2. evaluates the same sampled architectures of the searched supernet, with the same weights, on
   the same batch in fp32 on the CPU and under bf16 autocast (channels_last on CUDA) on the
   device: the losses must agree within :func:`loss_tolerance`, and every pair of architectures
   whose fp32 losses differ by more than twice the tolerance must be ranked the same way
   (Spearman's rho and Kendall's tau are reported too);
3. times one ASNG-NAS iteration against one first-order DARTS iteration on the device
   (:func:`asng_nas.bench.speed.bench_iteration`).

Writes ``gpu_check.json`` and ``gpu_check.md`` under ``--out`` (default
``results/nas/gpu_check/``); exits 0 when every check passes, 1 otherwise, 2 on bad arguments.
"""

from .cli import main
from .report import to_markdown
from .run import check_device, run_check
from .stats import loss_tolerance, rank_correlations
from .workload import FULL, TINY, Sizes, synthetic_cifar

__all__ = [
    "Sizes",
    "FULL",
    "TINY",
    "synthetic_cifar",
    "loss_tolerance",
    "rank_correlations",
    "check_device",
    "run_check",
    "to_markdown",
    "main",
]
