"""One entry point for searching a user's model: :func:`search` (and :func:`build_search`, which
returns the :class:`~asng_nas.search.Searcher` without running it).

The user's model (an ordinary ``nn.Module`` with LayerChoice / InputChoice / value choices in it)
is wrapped as the loop's supernet (:class:`Supernet`: ``supernet(inputs, choices)`` activates
``choices``, then runs the model), its variables become a :class:`~asng_nas.nn.space.ModelSpace`,
and the user's data a weight loader and a theta loader. Everything else -- the alternating ASNG
steps, BN re-estimation before evaluation, logs (``log.csv``, ``log.jsonl``), ``checkpoint.pt``
after every epoch, exact resume, multi-process search under ``torchrun`` -- is the existing loop's.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..search.config import SearchConfig
from ..search.export import export_architecture
from ..search.searcher import Searcher
from ..search.utils import resolve_device, to_jsonable
from .data import as_batch_size, as_loader, split_halves
from .discover import Variables, activate
from .export import Exported, export
from .prune import ProbeError
from .runcheck import (
    RESUME_FIX,
    RUN_FILE,
    as_config,
    check_device,
    check_flags,
    check_resume,
    prepare_out,
    record_run,
    run_record,
    undone_on_failure,
)
from .space import ModelSpace
from .task import LossFn, MetricFn, SupervisedTask

__all__ = ["Supernet", "NNSearchResult", "build_search", "search"]


class Supernet(nn.Module):
    """``Supernet(model)(inputs, choices)``: :func:`~asng_nas.nn.activate` ``choices`` on ``model``
    (its variables found once, at construction), then ``model(inputs)``."""

    def __init__(self, model: nn.Module, variables: Variables):
        super().__init__()
        self.model = model
        self._variables = variables

    def forward(self, inputs: Any, choices: Mapping[str, Any]) -> Any:
        activate(self._variables, choices)
        return self.model(inputs)


@dataclass
class NNSearchResult:
    """What :func:`search` returns: ``choices`` (the most likely architecture, ``{label: value}``),
    ``history`` (per-epoch records), ``finished``, and the ``searcher`` (its model, ASNG, ...)."""

    choices: dict[str, Any]
    history: list[dict[str, Any]]
    finished: bool
    searcher: Searcher = field(repr=False)

    def export(self, init: str = "copy") -> Exported:
        """The most likely architecture as an ordinary module (see :func:`asng_nas.nn.export`),
        pruned on the first batch of the weight data."""
        supernet = self.searcher.model
        assert isinstance(supernet, Supernet)
        return export_pruned(supernet.model, self.choices, self.searcher, init=init)


def example_input(searcher: Searcher) -> Any:
    """The inputs of the first batch of the weight data (on the search's device), whole: what the
    export runs (in train and eval mode, so BatchNorm sees a batch) to find the modules it never uses."""
    with torch.random.fork_rng(devices=[]):  # a user's shuffling DataLoader draws its order from the CPU's RNG
        inputs, _ = searcher.task.prepare(next(iter(searcher.weight_loader.epoch(0))), False, None)
    return inputs


def export_pruned(model: nn.Module, choices: Mapping[str, Any], searcher: Searcher, init: str = "copy") -> Exported:
    """:func:`~asng_nas.nn.export` pruned on :func:`example_input`; exported whole, with a warning,
    when the model raises on that batch (the search's result must not be lost to the pruning)."""
    try:
        return export(model, choices, init=init, example_input=example_input(searcher))
    except ProbeError as e:
        warnings.warn(f"export: kept every module (no pruning): {e}", stacklevel=2)
        return export(model, choices, init=init)


class ChoiceLogs:
    """Mixed into the searcher of :func:`build_search`: each epoch's record logs ``most_likely``
    as ``{label: value}`` (the model's choices) rather than the raw encoding of the space, and the
    non-finite-loss and refused-checkpoint errors advise in the API's words."""

    space: ModelSpace
    asng: Any
    retry_hint = "try a lower config.lr, then search again with resume=True"
    resume_fix = RESUME_FIX

    def run_epoch(self) -> dict[str, Any]:
        rec: dict[str, Any] = super().run_epoch()  # type: ignore[misc]
        rec["most_likely"] = to_jsonable(self.space.decode(self.asng.most_likely()))
        return rec


def _exporter(model: nn.Module, searcher: list[Searcher]) -> Any:
    """The search's export: ``architecture.json`` (choices, theta, and under ``"nn"`` the spec
    :func:`~asng_nas.nn.rebuild` reads) and ``export/`` (:meth:`Exported.save`)."""

    def write(out_dir: Path, space: ModelSpace, distribution: Any, theta: Any, extra: Any = None) -> None:
        choices = space.decode(distribution.mode(theta))
        exported = export_pruned(model, choices, searcher[0])
        extra = {**(extra or {}), "nn": exported.spec}
        export_architecture(out_dir, space, distribution, theta, extra=extra, draw=False)
        exported.save(Path(out_dir) / "export")

    return write


def build_search(
    model: nn.Module,
    train_data: Any,
    *,
    valid_data: Any = None,
    test_data: Any = None,
    loss: LossFn | None = None,
    metric: MetricFn | Mapping[str, MetricFn] | None = None,
    config: SearchConfig | Mapping[str, Any] | None = None,
    batch_size: int = 64,
    eval_batch_size: int = 256,
    out_dir: str | Path | None = None,
    device: str | torch.device | None = None,
    num_workers: int = 0,
) -> Searcher:
    """The :class:`~asng_nas.search.Searcher` of :func:`search`, not yet run.

    Args:
        model: the supernet; its weights are trained in place (and moved to ``device``).
        train_data: a torch ``Dataset`` of ``(input, target)`` items or a ``DataLoader`` of such
            batches. Without ``valid_data`` it must be a ``Dataset`` and is split by index:
            ``[0, N // 2)`` trains the weights, ``[N // 2, N)`` the architecture distribution
            (:func:`~asng_nas.nn.data.split_halves`; shuffle a class-sorted set first).
        valid_data: the theta-step data (``Dataset`` or ``DataLoader``); then ``train_data`` is
            the weight-step data, whole.
        test_data: evaluated with the most likely architecture after every ``config.eval_every``
            epochs and at the end (BN statistics re-estimated first).
        loss: ``loss(outputs, targets) -> scalar tensor`` (default: cross-entropy).
        metric: ``metric(outputs, targets) -> float`` or ``{name: callable}`` (default: accuracy).
        config: :class:`~asng_nas.search.SearchConfig` (epochs, SGD, lambdas, seed, ...), or a
            dict of its fields.
        batch_size: items per step (the search drops incomplete batches).
        eval_batch_size: items per evaluation batch of ``test_data``.
        out_dir: where ``log.csv``, ``log.jsonl``, ``checkpoint.pt``, ``architecture.json`` and
            ``export/`` (``architecture.json`` + ``model.pt`` of the exported module) go (None: nothing).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:K"``, a ``torch.device`` (default: CUDA when available).
        num_workers: ``DataLoader`` workers for ``Dataset`` inputs.

    Runs in several processes when ``torch.distributed`` is initialised (e.g. by
    :func:`asng_nas.search.distributed.distributed_session` under ``torchrun``).

    Raises:
        ValueError: a model without primitives, data that is not a Dataset / DataLoader, data
            smaller than one batch, bad loss / metric, a ``config`` that is not a SearchConfig
            or a dict of its fields (unknown keys named), a ``device`` torch does not know or
            a CUDA one it does not see.
    """
    check_device(device)
    cfg = as_config(config)
    dev = resolve_device(device)
    space = ModelSpace(model)
    common: dict[str, Any] = dict(shuffle=True, drop_last=True, num_workers=num_workers)
    if valid_data is None:
        if not isinstance(train_data, torch.utils.data.Dataset):
            raise ValueError("without valid_data, train_data must be a Dataset (it is split in halves by index)")
        first, second = split_halves(len(train_data))  # type: ignore[arg-type]
        w_loader = as_loader(train_data, batch_size, first, seed=cfg.seed, **common)
        t_loader = as_loader(train_data, batch_size, second, seed=cfg.seed + 7919, **common)
    else:
        w_loader = as_loader(train_data, batch_size, None, seed=cfg.seed, **common)
        t_loader = as_loader(valid_data, batch_size, None, seed=cfg.seed + 7919, **common)
    for name, loader in (("weight", w_loader), ("theta", t_loader)):
        if len(loader) == 0:
            raise ValueError(f"the {name} data has fewer items than batch_size={batch_size}: no full batch")
    test_loader = as_loader(test_data, eval_batch_size, num_workers=num_workers) if test_data is not None else None
    task = SupervisedTask(dev, loss, metric)
    supernet = Supernet(model, space.variables)
    base: type[Searcher] = Searcher
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        from ..search.distributed import DistributedSearcher

        base = DistributedSearcher
    searcher_cls: type[Searcher] = type(f"NN{base.__name__}", (ChoiceLogs, base), {})
    holder: list[Searcher] = []  # the exporter reads the weight data through the searcher
    searcher = searcher_cls(
        supernet,
        space,
        task,
        w_loader,
        t_loader,
        test_loader,
        cfg,
        out_dir,
        device=dev,
        export=_exporter(model, holder),
    )
    holder.append(searcher)
    return searcher


@contextlib.contextmanager
def as_given(model: nn.Module, device: str | torch.device | None) -> Iterator[None]:
    """Around a search: the global torch RNG states (the CPU's, and the search's GPU's when it
    runs on CUDA) and the train / eval mode of each module of ``model`` are restored afterwards,
    also when it raises. Inside, the search draws from the global RNG as it would without this
    (a user's shuffling DataLoader, dropout) and a resume sets it from its checkpoint, so its
    trajectory is unchanged. (The search seeds neither numpy's nor Python's global RNG.)"""
    modes = [(m, m.training) for m in model.modules()]
    dev = resolve_device(device)
    gpus = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=gpus):  # the search's GPU only: no context on the others
            yield
    finally:
        for m, training in modes:
            m.training = training


def search(
    model: nn.Module, train_data: Any, *, resume: bool = False, overwrite: bool = False, **options: Any
) -> NNSearchResult:
    """Search the architecture of ``model`` (an ``nn.Module`` with choice primitives) with ASNG-NAS.

    Args:
        model, train_data: see :func:`build_search`. ``model`` is returned in the train / eval
            mode it was given, and the global torch RNG as it was (the search draws from it, and
            a resume sets it): draws after the search (``export(init="fresh")``, a user's own)
            follow from the state before it. ``model`` stays on the search's device, also when a
            resume is refused because the checkpoint's weights do not fit it (the other refusals
            come before it is moved).
        resume: continue from ``out_dir/checkpoint.pt`` if there is one. With ``Dataset`` inputs
            the resumed run equals an uninterrupted one, bit for bit; so the ``config`` (its
            fields that change the run: seed, lr, epochs, lambdas, ...), ``batch_size`` and the
            model's variables (labels, candidates) must be those of the run that wrote it
            (recorded in the checkpoint and ``out_dir/nn_search.json``).
        overwrite: replace a previous run in ``out_dir`` (its files are deleted first). Without
            ``resume`` or ``overwrite``, an ``out_dir`` holding a previous run is refused.
        options: the keyword arguments of :func:`build_search`: ``valid_data``, ``test_data``,
            ``loss``, ``metric``, ``config``, ``batch_size`` (64), ``eval_batch_size`` (256),
            ``out_dir``, ``device``, ``num_workers``.

    A search that fails before its first checkpoint (an exception, Ctrl-C) leaves nothing in
    ``out_dir``: the same call can be made again.

    Returns:
        :class:`NNSearchResult` (``.choices``, ``.history``, ``.export()``).

    Raises:
        ValueError: as :func:`build_search`; ``resume`` together with ``overwrite``; ``resume``
            with other settings than the checkpoint's (every difference named); on the first
            step, a loss that is not a one-element tensor.
            :class:`~asng_nas.search.outdir.OutDirError` (a ValueError): ``out_dir`` holds a
            previous run and neither ``resume`` nor ``overwrite`` is set.
            :class:`~asng_nas.search.checkpoint.CheckpointError` (a ValueError): with
            ``resume``, a damaged or foreign checkpoint. ``FloatingPointError``: non-finite
            losses. TypeError: an unknown option.
    """
    check_flags(resume, overwrite)
    check_device(options.get("device"))
    cfg = as_config(options.get("config"))
    if "batch_size" in options:  # a numpy integer too; recorded in nn_search.json as an int
        options["batch_size"] = as_batch_size(options["batch_size"])
    out_dir, batch_size = options.get("out_dir"), options.get("batch_size", 64)
    record = run_record(cfg.seed, batch_size, ModelSpace(model).variables)
    if resume:  # before build_search moves the model: a refused resume leaves it as it was
        check_resume(out_dir, cfg, record)
    with as_given(model, options.get("device")):
        searcher = build_search(model, train_data, **{**options, "config": cfg})
        return _run(searcher, record, out_dir, resume, overwrite)


def _run(
    searcher: Searcher, record: dict[str, Any], out_dir: str | Path | None, resume: bool, overwrite: bool
) -> NNSearchResult:
    """:func:`search` after :func:`build_search` (its inputs checked): the ``out_dir`` check (and
    with ``overwrite``, the previous run's files deleted), the resume, ``nn_search.json``
    (``record``), the run; what it wrote is removed if it fails before its first checkpoint."""
    dist = torch.distributed.is_available() and torch.distributed.is_initialized()
    lead = not dist or torch.distributed.get_rank() == 0  # rank 0 alone writes the record
    prepare_out(out_dir, resume, overwrite, lead)
    resumed = resume and searcher.resume()
    with undone_on_failure(out_dir if lead else None):
        if lead and out_dir is not None and not (resumed and (Path(out_dir) / RUN_FILE).is_file()):
            record_run(out_dir, record)
        res = searcher.run()
    return NNSearchResult(dict(res.architecture), res.history, res.finished, searcher)
