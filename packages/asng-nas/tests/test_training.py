"""The shared training loop: an interrupted and resumed retraining ends with the same weights as
an uninterrupted one (inpainting and cells)."""

import json

import pytest
import torch

from asng_nas.classification.data import load_digits
from asng_nas.classification.retrain import CellRetrainConfig, load_model, retrain
from asng_nas.classification.space import ENASSpace
from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.retrain import InpaintRetrainConfig, retrain_inpainting
from asng_nas.inpainting.space import CAESpace
from asng_nas.search.training import TrainState
from asng_opt import ASNG

torch.set_num_threads(1)


class Interrupt(Exception):
    pass


def _stop_after(k):
    def cb(state, record):
        if state.step == k:
            raise Interrupt

    return cb


def _weights(path):
    return torch.load(path, weights_only=False)["state_dict"]


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.fixture(scope="module")
def faces():
    x = embedded_faces(16)
    return x[:40], x[40:56]


@pytest.fixture(scope="module")
def cae():
    space = CAESpace("cat", 4, 2, (4, 8), (4, 8))
    return space.decode(ASNG(space.make_distribution(), seed=0).ask(2)[0])


@pytest.mark.parametrize("stop", [4, 5])  # 5 batches an epoch: interrupted at / inside an epoch's end
def test_inpainting_retrain_resume_is_bit_exact(faces, cae, tmp_path, stop):
    train, test = faces
    cfg = InpaintRetrainConfig(iterations=12, eval_every=3, batch_size=8, checkpoint_every=1)
    full = retrain_inpainting(cae, train, test, tmp_path / "a", cfg, "cpu")
    with pytest.raises(Interrupt):
        retrain_inpainting(cae, train, test, tmp_path / "b", cfg, "cpu", callbacks=[_stop_after(stop)])
    assert torch.load(tmp_path / "b" / "retrain_checkpoint.pt", weights_only=False)["step"] == stop
    res = retrain_inpainting(cae, train, test, tmp_path / "b", cfg, "cpu", resume=True)
    _same(_weights(tmp_path / "a" / "model.pt"), _weights(tmp_path / "b" / "model.pt"))
    assert (res["test_psnr"], res["test_ssim"]) == (full["test_psnr"], full["test_ssim"])
    logs = [[json.loads(x) for x in open(tmp_path / d / "log.jsonl")] for d in "ab"]
    for la in logs:
        for r in la:
            r.pop("seconds")
    assert logs[0] == logs[1] and [r["iteration"] for r in logs[0]] == [3, 6, 9, 12]


def test_inpainting_checkpoint_every(faces, cae, tmp_path):
    train, test = faces
    cfg = InpaintRetrainConfig(iterations=7, eval_every=7, batch_size=8, checkpoint_every=3)
    with pytest.raises(Interrupt):
        retrain_inpainting(cae, train, test, tmp_path, cfg, "cpu", callbacks=[_stop_after(5)])
    st = torch.load(tmp_path / "retrain_checkpoint.pt", weights_only=False)
    assert st["step"] == 3 and st["extra"] == {"epoch": 0, "batch": 3}
    assert st["scheduler"]["last_epoch"] == 3
    retrain_inpainting(cae, train, test, tmp_path, cfg, "cpu", resume=True)
    assert torch.load(tmp_path / "retrain_checkpoint.pt", weights_only=False)["step"] == 7  # the last one


def test_cell_retrain_resume_is_bit_exact(tmp_path):
    space = ENASSpace()
    g = space.decode(ASNG(space.make_distribution(), seed=2).ask(2)[0])
    data = load_digits()
    cfg = CellRetrainConfig(epochs=3, batch_size=32, n_cells=3, channels=4, iters_per_epoch=2, cutout=2, progress=False)
    full = retrain(g, data, tmp_path / "a", cfg)
    with pytest.raises(Interrupt):
        retrain(g, data, tmp_path / "b", cfg, callbacks=[_stop_after(2)])
    res = retrain(g, data, tmp_path / "b", cfg, resume=True)
    _same(_weights(tmp_path / "a" / "model.pt"), _weights(tmp_path / "b" / "model.pt"))
    assert res["test_error"] == full["test_error"]
    logs = [[json.loads(x) for x in open(tmp_path / d / "retrain_log.jsonl")] for d in "ab"]
    for la in logs:
        for r in la:
            r.pop("train_seconds")
    assert logs[0] == logs[1] and len(logs[0]) == 3


def test_train_state_reads_the_old_cell_retrain_checkpoint():
    net = torch.nn.Linear(2, 2)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    gen = torch.Generator().manual_seed(3)
    old = {
        "model": net.state_dict(),
        "sgd": sgd.state_dict(),
        "generator": gen.get_state(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": None,
        "epoch": 4,
        "seconds": 1.5,
        "history": [{"epoch": 4}],
    }
    st = TrainState(torch.nn.Linear(2, 2), torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"))
    st.load_state_dict(old)
    assert (st.step, st.seconds, st.history, st.extra) == (4, 1.5, [{"epoch": 4}], {})
    _same(st.model.state_dict(), net.state_dict())


# ---- on_epoch_end, TensorBoard, torch.compile ---------------------------------------------------


def _cells_setup():
    space = ENASSpace()
    g = space.decode(ASNG(space.make_distribution(), seed=2).ask(2)[0])
    cfg = dict(epochs=2, batch_size=32, n_cells=3, channels=4, iters_per_epoch=2, cutout=2, progress=False)
    return g, load_digits(), cfg


def test_on_epoch_end_gets_each_log_record(faces, cae, tmp_path):
    g, data, kw = _cells_setup()
    got = []
    retrain(g, data, tmp_path / "cells", CellRetrainConfig(**kw), "cpu", on_epoch_end=got.append)
    rows = [json.loads(x) for x in open(tmp_path / "cells" / "retrain_log.jsonl")]
    assert [r["epoch"] for r in got] == [1, 2] and "test_error" in got[-1]
    assert len(got) == len(rows) and all(a == pytest.approx(b) for a, b in zip(got, rows))

    train, test = faces
    got = []
    cfg = InpaintRetrainConfig(iterations=4, eval_every=2, batch_size=8, checkpoint_every=0)
    retrain_inpainting(cae, train, test, tmp_path / "cae", cfg, "cpu", on_epoch_end=got.append)
    rows = [json.loads(x) for x in open(tmp_path / "cae" / "log.jsonl")]
    assert [r["iteration"] for r in got] == [2, 4]
    assert len(got) == len(rows) and all(a == pytest.approx(b) for a, b in zip(got, rows))


def _has_tensorboard() -> bool:
    try:
        import torch.utils.tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(_has_tensorboard(), reason="tensorboard is installed: the missing-package error cannot occur")
def test_tensorboard_without_the_package_is_a_clear_error_that_writes_nothing(faces, cae, tmp_path):
    g, data, kw = _cells_setup()
    cfg = CellRetrainConfig(**kw, tensorboard=str(tmp_path / "tb"))
    with pytest.raises(ImportError, match="needs the tensorboard package"):
        retrain(g, data, tmp_path / "out", cfg, "cpu")
    train, test = faces
    icfg = InpaintRetrainConfig(iterations=2, batch_size=8, tensorboard=str(tmp_path / "tb"))
    with pytest.raises(ImportError, match="needs the tensorboard package"):
        retrain_inpainting(cae, train, test, tmp_path / "out", icfg, "cpu")
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
    retrain(g, data, tmp_path / "out", CellRetrainConfig(**kw), "cpu")  # not asked for: no error


@pytest.mark.skipif(not _has_tensorboard(), reason="the optional tensorboard package is not installed")
def test_tensorboard_logger_writes_every_number_of_the_records(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    g, data, kw = _cells_setup()
    retrain(g, data, tmp_path / "out", CellRetrainConfig(**kw, tensorboard=str(tmp_path / "tb")), "cpu")
    rows = [json.loads(x) for x in open(tmp_path / "out" / "retrain_log.jsonl")]
    ev = EventAccumulator(str(tmp_path / "tb"))
    ev.Reload()
    assert {"train_loss", "train_accuracy", "lr", "test_error"} <= set(ev.Tags()["scalars"])
    loss = ev.Scalars("train_loss")
    assert [e.step for e in loss] == [1, 2]
    assert [e.value for e in loss] == pytest.approx([r["train_loss"] for r in rows], rel=1e-6)


def test_compile_setting_is_checked_and_traced_training_matches_eager(faces, cae, tmp_path):
    """``compile="aot_eager"``: torch.compile's tracing (dynamo + AOT autograd) without code
    generation, fast enough for a unit test; the weights equal the eager run's up to rounding."""
    with pytest.raises(ValueError, match="compile must be one of"):
        CellRetrainConfig(compile="yes")
    with pytest.raises(ValueError, match="compile must be one of"):
        InpaintRetrainConfig(compile="fast")
    train, test = faces
    base = dict(iterations=3, eval_every=3, batch_size=8, checkpoint_every=0)
    retrain_inpainting(cae, train, test, tmp_path / "eager", InpaintRetrainConfig(**base), "cpu")
    retrain_inpainting(cae, train, test, tmp_path / "traced", InpaintRetrainConfig(**base, compile="aot_eager"), "cpu")
    a, b = _weights(tmp_path / "eager" / "model.pt"), _weights(tmp_path / "traced" / "model.pt")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


class _Payload:  # a class torch.load(weights_only=True) does not know
    pass


def test_checkpoints_and_models_load_with_weights_only(faces, cae, tmp_path):
    """The retraining's files load with ``torch.load(..., weights_only=True)`` (optimizer and
    scheduler states included); a checkpoint holding anything else is refused with a one-line
    error naming it, before the run changes anything."""
    train, test = faces
    cfg = InpaintRetrainConfig(iterations=2, eval_every=2, batch_size=8, checkpoint_every=1)
    retrain_inpainting(cae, train, test, tmp_path / "a", cfg, "cpu")
    st = torch.load(tmp_path / "a" / "retrain_checkpoint.pt", weights_only=True)
    assert st["optimizer"]["state"] and st["scheduler"]["last_epoch"] == 2
    torch.load(tmp_path / "a" / "model.pt", weights_only=True)

    bad = tmp_path / "b" / "retrain_checkpoint.pt"
    bad.parent.mkdir()
    torch.save({**st, "extra": {"epoch": 0, "batch": 0, "x": _Payload()}}, bad)
    with pytest.raises(ValueError, match=r"retrain_checkpoint\.pt: not a readable training checkpoint"):
        retrain_inpainting(cae, train, test, tmp_path / "b", cfg, "cpu", resume=True)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["retrain_checkpoint.pt"]

    g, data, kw = _cells_setup()
    retrain(g, data, tmp_path / "c", CellRetrainConfig(**kw), "cpu")
    torch.load(tmp_path / "c" / "retrain_checkpoint.pt", weights_only=True)
    model, info = load_model(tmp_path / "c" / "model.pt")
    assert info["channels"] == kw["channels"]
    torch.save({"format": "asng-nas-model-v1", "x": _Payload()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match=r"evil\.pt: not a readable training checkpoint"):
        load_model(tmp_path / "evil.pt")


class _FakeWriter:
    """Stands in for TensorBoard's ``SummaryWriter``: records the scalars it is given."""

    made: list["_FakeWriter"] = []

    def __init__(self, log_dir):
        self.log_dir, self.scalars, self.closed = log_dir, [], False
        _FakeWriter.made.append(self)

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def flush(self):
        pass

    def close(self):
        self.closed = True


def test_both_retrainings_report_each_record_to_tensorboard_and_on_epoch_end(faces, cae, tmp_path, monkeypatch):
    """The shared retraining run (``retrain_run``): each log record goes to the TensorBoard
    logger (then closed) and to ``on_epoch_end``, in both retrainings (no tensorboard needed)."""
    import sys
    import types

    fake = types.ModuleType("torch.utils.tensorboard")
    fake.SummaryWriter = _FakeWriter
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", fake)
    _FakeWriter.made.clear()
    g, data, kw = _cells_setup()
    seen: list = []
    retrain(g, data, tmp_path / "c", CellRetrainConfig(**kw, tensorboard=str(tmp_path / "tb_c")), "cpu",
            on_epoch_end=seen.append)  # fmt: skip
    train, test = faces
    icfg = InpaintRetrainConfig(iterations=4, eval_every=2, batch_size=8, tensorboard=str(tmp_path / "tb_i"))
    retrain_inpainting(cae, train, test, tmp_path / "i", icfg, "cpu", on_epoch_end=seen.append)
    cells, inpaint = _FakeWriter.made
    assert cells.closed and inpaint.closed and cells.log_dir == str(tmp_path / "tb_c")
    assert [r["epoch"] for r in seen[:2]] == [1, 2] and [r["iteration"] for r in seen[2:]] == [2, 4]
    assert sorted(s for t, _, s in cells.scalars if t == "train_loss") == [1, 2]
    assert [(s, v) for t, v, s in inpaint.scalars if t == "psnr"] == [(2, seen[2]["psnr"]), (4, seen[3]["psnr"])]
