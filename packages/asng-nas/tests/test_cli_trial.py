"""A newcomer's second trial of the command line: a batch size that makes no batch is one line
in every command (and the library refuses it too), ``--resume`` refuses changed flags (the run's
flags are recorded in ``run_flags.json``, which a run that dies before its first checkpoint takes
away again), ``--iterations`` of the inpainting search is exact and its builder leaves the
caller's config alone, an empty ``--out`` and ``--lr-min`` above ``--lr`` are refused, and every
sub-command's ``--help`` has a description. A retraining records its flags apart from its
search's (``retrain_run_flags.json``), a record of another command is refused, the flags that
``--iterations`` overrides are not recorded, and the batch-size and torch-file errors speak the
caller's words."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from asng_nas.cli import main

torch.set_num_threads(1)

QUIET = ["--threads", "1", "--no-progress"]
SEARCH = ["--epochs", "1", "--iters-per-epoch", "1", "--cells", "2", "--channels", "4", "--nodes", "2"]
SEARCH += ["--batch-size", "8", "--max-test", "16", *QUIET]
RETRAIN = ["--epochs", "1", "--iters-per-epoch", "1", "--cells", "2", "--channels", "4", "--batch-size", "8", *QUIET]
FACES = ["--image-size", "11", "--threads", "1"]
INPAINT = ["--nodes", "2", "--iterations", "1", "--channels", "4", "--batch-size", "4", "--no-progress", *FACES]
INPAINT_RETRAIN = ["--iterations", "1", "--eval-every", "1", "--batch-size", "4", *FACES]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _copy_run(run: Path, out: Path) -> Path:
    """A copy of the files of the finished ``run`` in the new folder ``out`` (to resume there)."""
    out.mkdir()
    for f in run.iterdir():
        if f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One finished tiny run of each command (the retrainings from the searches)."""
    base = tmp_path_factory.mktemp("runs")
    assert main(["search", *SEARCH, "--out", str(base / "search")]) == 0
    assert main(["inpaint-search", *INPAINT, "--out", str(base / "inpaint-search")]) == 0
    assert main(["retrain", "--arch", str(base / "search"), *RETRAIN, "--out", str(base / "retrain")]) == 0
    argv = ["inpaint-retrain", "--arch", str(base / "inpaint-search"), *INPAINT_RETRAIN]
    assert main([*argv, "--out", str(base / "inpaint-retrain")]) == 0
    return {p.name: p for p in base.iterdir()}


def _record(command: str) -> str:
    """The file that records the flags of ``command``'s run: one per command family."""
    return "retrain_run_flags.json" if "retrain" in command else "run_flags.json"


def _argv(command: str, runs: dict[str, Path]) -> list[str]:
    """The flags of the tiny run of ``command`` (without --out)."""
    return {
        "search": ["search", *SEARCH],
        "inpaint-search": ["inpaint-search", *INPAINT],
        "retrain": ["retrain", "--arch", str(runs["search"]), *RETRAIN],
        "inpaint-retrain": ["inpaint-retrain", "--arch", str(runs["inpaint-search"]), *INPAINT_RETRAIN],
    }[command]


# ---- 1. a batch size that makes no batch ---------------------------------------------------------

TOO_BIG = [("search", 751, 750), ("inpaint-search", 46, 45), ("retrain", 1501, 1500), ("inpaint-retrain", 91, 90)]


@pytest.mark.parametrize("command, batch, fits", TOO_BIG)
def test_a_batch_size_that_makes_no_batch_is_one_line(command, batch, fits, runs, tmp_path, capsys):
    out = tmp_path / "a" / "o"
    assert main([*_argv(command, runs), "--batch-size", str(batch), "--out", str(out)]) == 2
    err = _error(capsys)
    assert f"--batch-size {batch} is larger" in err and f"at most {fits}" in err and "batch_size" not in err
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("command, batch, fits", TOO_BIG)
def test_the_refused_batch_size_leaves_a_previous_run_alone_even_with_overwrite(
    command, batch, fits, runs, tmp_path, capsys
):
    before = _snapshot(runs[command])
    argv = [*_argv(command, runs), "--batch-size", str(batch), "--out", str(runs[command]), "--overwrite"]
    assert main(argv) == 2 and f"at most {fits}" in _error(capsys)
    assert _snapshot(runs[command]) == before


def test_the_library_refuses_a_batch_size_that_makes_no_batch(tmp_path):
    from asng_nas.classification.data import load_dataset
    from asng_nas.classification.retrain import CellRetrainConfig, retrain
    from asng_nas.classification.task import build_search
    from asng_nas.inpainting.data import embedded_faces
    from asng_nas.inpainting.retrain import InpaintRetrainConfig, retrain_inpainting

    data = load_dataset("digits")
    with pytest.raises(ValueError, match="^batch_size=751 is larger .* at most 750") as e:
        build_search(data, tmp_path / "s", batch_size=751)
    assert "--batch-size" not in str(e.value)  # the words of Python, not of the command line
    no_arch = None  # refused before the architecture is read
    with pytest.raises(ValueError, match="^batch_size=1501 is larger .* at most 1500"):
        retrain(no_arch, data, tmp_path / "r", CellRetrainConfig(batch_size=1501))  # type: ignore[arg-type]
    faces = embedded_faces(11)
    cfg = InpaintRetrainConfig(batch_size=91)
    with pytest.raises(ValueError, match="^batch_size=91 is larger .* at most 90"):
        retrain_inpainting(no_arch, faces[:90], faces[90:], tmp_path / "i", cfg)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_the_searcher_refuses_a_loader_of_no_batch():
    from asng_nas.search.searcher import Searcher

    class Empty:
        def __len__(self) -> int:
            return 0

    with pytest.raises(ValueError, match="theta loader yields no batch"):
        Searcher(torch.nn.Linear(1, 1), None, None, [0], Empty())  # type: ignore[arg-type]


def test_evaluate_takes_any_batch_size(runs, capsys):
    """evaluate keeps its incomplete last batch: a batch size above the test set is one batch."""
    assert main(["evaluate", "--model", str(runs["retrain"] / "model.pt"), "--batch-size", "100000"]) == 0
    assert "test_error" in json.loads(capsys.readouterr().out)


# ---- 2. --resume with other flags ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["search", "inpaint-search", "retrain", "inpaint-retrain"])
def test_resume_with_a_changed_flag_is_refused_and_changes_nothing(command, runs, capsys):
    folder = runs[command]
    flags = json.loads((folder / _record(command)).read_text())["flags"]
    assert flags["seed"] == 0 and "out" not in flags and "threads" not in flags
    before = _snapshot(folder)
    assert main([*_argv(command, runs), "--seed", "3", "--lr", "0.5", "--out", str(folder), "--resume"]) == 2
    err = _error(capsys)
    assert "--seed 0 there, 3 now" in err and "--lr " in err and "--overwrite" in err
    assert _snapshot(folder) == before


@pytest.mark.parametrize("command", ["search", "retrain"])
def test_resume_with_the_same_flags_goes_on(command, runs, capsys):
    folder = runs[command]
    neutral = ["--threads", "2", "--device", "cpu"]  # flags that do not change the run
    assert main([*_argv(command, runs), *neutral, "--out", str(folder), "--resume"]) == 0


def test_resume_follows_the_architecture_by_content_not_path(runs, tmp_path, capsys):
    doc = json.loads((runs["search"] / "architecture.json").read_text())
    arch, moved, out = tmp_path / "a.json", tmp_path / "moved" / "b.json", tmp_path / "r"
    arch.write_text(json.dumps(doc))
    assert main(["retrain", "--arch", str(arch), *RETRAIN, "--out", str(out)]) == 0
    moved.parent.mkdir()
    moved.write_text(json.dumps(doc, indent=4))  # the same architecture, elsewhere, laid out otherwise
    assert main(["retrain", "--arch", str(moved), *RETRAIN, "--out", str(out), "--resume"]) == 0
    edge = doc["genotype"]["normal"]["nodes"][0][0]
    edge[1] = "max_pool_3x3" if edge[1] != "max_pool_3x3" else "avg_pool_3x3"  # no weights: same shapes
    moved.write_text(json.dumps(doc))
    before = _snapshot(out)
    assert main(["retrain", "--arch", str(moved), *RETRAIN, "--out", str(out), "--resume"]) == 2
    assert "--arch another architecture" in _error(capsys) and _snapshot(out) == before


def test_a_checkpoint_without_the_record_resumes_as_before(runs, tmp_path):
    out = tmp_path / "old"
    assert main(["search", *SEARCH, "--out", str(out)]) == 0
    (out / "run_flags.json").unlink()  # a run of a version that did not record its flags
    assert main(["search", *SEARCH, "--max-test", "8", "--out", str(out), "--resume"]) == 0
    assert not (out / "run_flags.json").exists()


def test_a_run_that_fails_on_its_first_step_can_be_rerun(tmp_path, capsys, monkeypatch):
    from asng_nas.search.searcher import Searcher

    out = tmp_path / "s"
    out.mkdir()  # an existing folder: it stays, empty

    def fail(self, batch):
        raise ValueError("boom on the first step")

    with monkeypatch.context() as m:
        m.setattr(Searcher, "weight_step", fail)
        assert main(["search", *SEARCH, "--out", str(out)]) == 2
    assert "boom" in _error(capsys) and list(out.iterdir()) == []
    assert main(["search", *SEARCH, "--out", str(out)]) == 0


def test_a_retraining_interrupted_before_its_first_checkpoint_can_be_rerun(runs, tmp_path, capsys, monkeypatch):
    import asng_nas.classification.retrain as cell_retrain

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    out = tmp_path / "r"
    with monkeypatch.context() as m:
        m.setattr(cell_retrain, "train_loop", interrupt)
        assert main([*_argv("retrain", runs), "--out", str(out)]) == 130
    assert "before the first checkpoint" in capsys.readouterr().err and not out.exists()
    assert main([*_argv("retrain", runs), "--out", str(out)]) == 0


def test_a_run_that_fails_after_its_first_checkpoint_keeps_its_record(tmp_path, capsys, monkeypatch):
    from asng_nas.search.searcher import Searcher

    out = tmp_path / "s"
    calls = {"n": 0}
    original = Searcher.weight_step

    def fail_in_epoch_two(self, batch):
        calls["n"] += 1
        if calls["n"] > 1:
            raise ValueError("boom in epoch 2")
        return original(self, batch)

    argv = ["search", *SEARCH, "--epochs", "2", "--out", str(out)]
    with monkeypatch.context() as m:
        m.setattr(Searcher, "weight_step", fail_in_epoch_two)
        assert main(argv) == 2
    capsys.readouterr()
    assert (out / "checkpoint.pt").is_file() and (out / "run_flags.json").is_file()
    assert main([*argv, "--lr", "0.1", "--resume"]) == 2 and "--lr 0.025 there, 0.1 now" in _error(capsys)
    assert main([*argv, "--resume"]) == 0


def test_the_record_is_an_output_overwrite_replaces(tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    (out / "run_flags.json").write_text("{}")
    (out / "log.csv").write_text("epoch\n")  # with another output: a previous run
    assert main(["search", *SEARCH, "--out", str(out)]) == 2
    assert "run_flags.json" in _error(capsys)
    assert main(["search", *SEARCH, "--seed", "4", "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "run_flags.json").read_text())["flags"]["seed"] == 4


@pytest.mark.parametrize("command", ["search", "retrain"])
def test_a_record_alone_is_a_killed_run_and_is_replaced(command, runs, tmp_path):
    """A run killed outright (SIGKILL, power) before its first checkpoint leaves its record alone:
    no run to resume or protect, so the next run goes on without --overwrite."""
    out = tmp_path / "killed"
    out.mkdir()
    (out / _record(command)).write_text('{"flags": {"seed": 99}}')
    assert main([*_argv(command, runs), "--out", str(out)]) == 0
    assert json.loads((out / _record(command)).read_text())["flags"]["seed"] == 0


def test_only_rank_0_writes_the_record(tmp_path, monkeypatch):
    from asng_nas.cli.parser import parse_args
    from asng_nas.cli.runflags import write_run_flags

    args = parse_args(["search", "--out", str(tmp_path)])
    monkeypatch.setenv("RANK", "1")
    write_run_flags(args)
    assert not (tmp_path / "run_flags.json").exists()
    monkeypatch.setenv("RANK", "0")
    write_run_flags(args)
    assert (tmp_path / "run_flags.json").is_file()


@pytest.mark.parametrize("overwrite", [False, True])
def test_other_ranks_leave_the_record_of_rank_0_alone(tmp_path, monkeypatch, overwrite):
    """Under torchrun rank 0 may write the record before rank 1 checks --out: not a previous run."""
    from asng_nas.cli.launch import prepare_out
    from asng_nas.cli.parser import parse_args

    (tmp_path / "run_flags.json").write_text("{}")
    args = parse_args(["search", "--out", str(tmp_path), *(["--overwrite"] if overwrite else [])])
    monkeypatch.setenv("RANK", "1")
    prepare_out(args)
    assert (tmp_path / "run_flags.json").read_text() == "{}"


def test_summary_describes_every_output_of_the_commands():
    from asng_nas.cli.outdir import OUTPUTS
    from asng_nas.cli.summary import FILE_MEANINGS

    for command in ("search", "inpaint-search", "retrain", "inpaint-retrain"):
        assert _record(command) in OUTPUTS[command]
        assert set(OUTPUTS[command]) <= set(FILE_MEANINGS), command


# ---- 3. the inpainting search's iterations -------------------------------------------------------


def _faces_search(config, iterations, out=None):
    from asng_nas.inpainting.data import embedded_faces
    from asng_nas.inpainting.task import build_inpainting_search

    x = embedded_faces(11)
    return build_inpainting_search(
        x[:90], x[90:], out, config, n_nodes=2, channels=(4,), batch_size=16, iterations=iterations, device="cpu"
    )


def test_build_inpainting_search_leaves_the_callers_config_alone():
    from asng_nas.search.config import SearchConfig

    cfg = SearchConfig(epochs=7, schedule="epoch", progress=False)
    before = dataclasses.asdict(cfg)
    searcher = _faces_search(cfg, 3)
    assert dataclasses.asdict(cfg) == before and searcher.cfg is not cfg
    assert (searcher.cfg.epochs, searcher.cfg.iters_per_epoch, searcher.cfg.total_iterations) == (2, 2, 3)


def test_iterations_are_exact_with_a_shorter_last_epoch():
    from asng_nas.search.config import SearchConfig

    searcher = _faces_search(SearchConfig(progress=False), 3)
    steps = {"n": 0}
    step = searcher.weight_step

    def counted(batch):
        steps["n"] += 1
        return step(batch)

    searcher.weight_step = counted  # type: ignore[method-assign]
    res = searcher.run()
    assert steps["n"] == 3 and len(res.history) == 2 and searcher.iters_in(1) == 1


def test_whole_epochs_of_iterations_follow_the_old_trajectory():
    """``iterations`` a multiple of the epoch's length: the same run as whole epochs (the
    default runs, 50,000 iterations, are such multiples)."""
    from asng_nas.search.config import SearchConfig

    exact = _faces_search(SearchConfig(progress=False), 4)
    whole = _faces_search(SearchConfig(epochs=2, iters_per_epoch=2, schedule="iteration", progress=False), None)
    assert [exact.lr_at(e, i) for e in (0, 1) for i in (0, 1)] == [whole.lr_at(e, i) for e in (0, 1) for i in (0, 1)]
    exact.run()
    whole.run()
    np.testing.assert_array_equal(exact.asng.theta, whole.asng.theta)


def test_total_iterations_must_end_in_the_last_epoch():
    from asng_nas.search.config import SearchConfig

    with pytest.raises(ValueError, match="set epochs to 2"):
        _faces_search(SearchConfig(epochs=5, iters_per_epoch=2, total_iterations=3, progress=False), None)
    with pytest.raises(ValueError, match="iterations >= 1"):
        _faces_search(SearchConfig(progress=False), 0)


def test_the_header_says_the_iterations_exactly(tmp_path, capsys):
    argv = ["inpaint-search", *INPAINT, "--iterations", "3", "--batch-size", "16", "--out", str(tmp_path / "i")]
    assert main(argv) == 0
    assert "3 iterations (2 epochs of 2, the last of 1)" in capsys.readouterr().out


# ---- 4. small ones -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["search", "inpaint-search", "retrain", "inpaint-retrain"])
@pytest.mark.parametrize("out", ["", "  "])
def test_an_empty_out_is_a_usage_error(command, out, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    arch = ["--arch", "x"] if "retrain" in command else []
    with pytest.raises(SystemExit) as e:
        main([command, *arch, "--out", out])
    assert e.value.code == 2 and "argument --out" in _error(capsys) and list(tmp_path.iterdir()) == []


def test_an_empty_out_from_a_config_file_is_refused(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"out": ""}))
    with pytest.raises(SystemExit) as e:
        main(["search", "--config", str(cfg)])
    assert e.value.code == 2 and "argument --out" in _error(capsys)


def test_every_sub_command_help_has_a_description():
    from asng_nas.cli.helptext import DESCRIPTIONS
    from asng_nas.cli.parser import build_parser

    commands = build_parser().commands
    assert set(commands) <= set(DESCRIPTIONS)
    for name in ("evaluate", "summary"):
        assert f"asng-nas {name}" in commands[name].description


@pytest.mark.parametrize("command", ["search", "inpaint-search", "retrain"])
def test_lr_min_above_lr_is_a_usage_error(command, tmp_path, capsys):
    arch = ["--arch", "x"] if command == "retrain" else []
    with pytest.raises(SystemExit) as e:
        main([command, *arch, "--lr", "0.1", "--lr-min", "0.2", "--out", str(tmp_path / "o")])
    err = _error(capsys)
    assert e.value.code == 2 and "--lr-min" in err and "--lr 0.1" in err and not (tmp_path / "o").exists()


def test_the_configs_refuse_what_the_flags_refuse():
    from asng_nas.classification.retrain import CellRetrainConfig
    from asng_nas.inpainting.retrain import InpaintRetrainConfig
    from asng_nas.search.config import SearchConfig, TrainConfig

    for cls in (TrainConfig, SearchConfig, CellRetrainConfig):
        with pytest.raises(ValueError, match=r"lr_min <= lr.*lr_min 0.2 > lr 0.1"):
            cls(lr=0.1, lr_min=0.2)
        assert cls(lr=0.1, lr_min=0.1).lr_min == 0.1
    for bad in ({"drop_path": 1.0}, {"batch_size": 0}, {"channels": 0}, {"target_params": 0}, {"cutout": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            CellRetrainConfig(**bad)
    for bad in ({"eval_every": 0}, {"iterations": 0}, {"lr": 0}, {"checkpoint_every": -1}, {"mask": "square"}):
        with pytest.raises(ValueError, match=next(iter(bad)) if "mask" not in bad else "mask"):
            InpaintRetrainConfig(**bad)


# ---- 5. the record of each command family, --iterations, the lead process, torch files ------------


def test_a_retraining_in_its_search_folder_leaves_the_search_record_alone(runs, tmp_path, capsys):
    """retrain writes retrain_run_flags.json: the search's run_flags.json is neither taken for a
    killed run's record (and deleted) nor replaced, and the search still resumes with its flags."""
    out = tmp_path / "s"
    assert main(["search", *SEARCH, "--out", str(out)]) == 0
    search_record = (out / "run_flags.json").read_bytes()
    assert main(["retrain", "--arch", str(out), *RETRAIN, "--seed", "5", "--out", str(out)]) == 0
    assert (out / "run_flags.json").read_bytes() == search_record
    retrain_record = json.loads((out / "retrain_run_flags.json").read_text())
    assert retrain_record["command"] == "retrain" and retrain_record["flags"]["seed"] == 5
    capsys.readouterr()
    assert main(["search", *SEARCH, "--out", str(out), "--resume"]) == 0
    assert main(["retrain", "--arch", str(out), *RETRAIN, "--seed", "5", "--out", str(out), "--resume"]) == 0
    assert (out / "run_flags.json").read_bytes() == search_record
    assert main(["search", *SEARCH, "--seed", "5", "--out", str(out), "--resume"]) == 2
    assert "--seed 0 there, 5 now" in _error(capsys)


def test_a_record_of_another_command_is_refused(runs, tmp_path, capsys):
    out = _copy_run(runs["search"], tmp_path / "s")
    before = _snapshot(out)
    assert main(["inpaint-search", *INPAINT, "--out", str(out), "--resume"]) == 2
    err = _error(capsys)
    assert "holds a run of asng-nas search, not of inpaint-search" in err and "--overwrite" in err
    assert _snapshot(out) == before


def test_a_record_naming_no_command_is_not_a_record(runs, tmp_path, capsys):
    out = _copy_run(runs["search"], tmp_path / "s")
    doc = json.loads((out / "run_flags.json").read_text())
    del doc["command"]
    (out / "run_flags.json").write_text(json.dumps(doc))
    assert main(["search", *SEARCH, "--out", str(out), "--resume"]) == 2
    assert "not the record of a run's flags" in _error(capsys)


def test_the_flags_that_iterations_overrides_are_not_recorded(runs, tmp_path, capsys):
    from asng_nas.cli.parser import parse_args
    from asng_nas.cli.runflags import recorded_flags

    flags = json.loads((runs["inpaint-search"] / "run_flags.json").read_text())["flags"]
    assert flags["iterations"] == 1 and "epochs" not in flags and "iters_per_epoch" not in flags
    by_epochs = recorded_flags(parse_args(["inpaint-search", "--iterations", "0", "--epochs", "3", "--out", "x"]))
    assert by_epochs["iterations"] == 0 and by_epochs["epochs"] == 3 and "iters_per_epoch" in by_epochs
    out = _copy_run(runs["inpaint-search"], tmp_path / "i")
    assert main(["inpaint-search", *INPAINT, "--threads", "2", "--out", str(out), "--resume"]) == 0
    capsys.readouterr()
    assert main(["inpaint-search", *INPAINT, "--iterations", "2", "--out", str(out), "--resume"]) == 2
    assert "--iterations 1 there, 2 now" in _error(capsys)


@pytest.mark.parametrize(
    "extra", [["--epochs", "10"], ["--iters-per-epoch", "3"], ["--epochs", "2", "--iters-per-epoch", "3"]]
)
def test_flags_that_iterations_would_ignore_are_a_usage_error(extra, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["inpaint-search", *INPAINT, *extra, "--out", str(tmp_path / "i")])
    assert e.value.code == 2
    err = _error(capsys)
    assert "argument --iterations: 1 sets the epochs and their length itself" in err and extra[0] in err
    assert not (tmp_path / "i").exists()
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"epochs": 10}))  # from a config file too
    with pytest.raises(SystemExit):
        main(["inpaint-search", *INPAINT, "--config", str(cfg), "--out", str(tmp_path / "i")])
    assert "--epochs 10 would be ignored" in _error(capsys)


def test_an_unset_lambda_and_the_value_it_resolves_to_are_the_same_run(runs, tmp_path, capsys):
    out = _copy_run(runs["search"], tmp_path / "s")
    assert "lam_x" not in json.loads((out / "run_flags.json").read_text())["flags"]
    assert main(["search", *SEARCH, "--lam-x", "2", "--lam-theta", "2", "--out", str(out), "--resume"]) == 0
    capsys.readouterr()
    assert main(["search", *SEARCH, "--lam-theta", "3", "--out", str(out), "--resume"]) == 2
    assert "lam_theta 2 there, 3 now" in _error(capsys)  # the checkpoint compares the resolved values


def test_check_batch_fits_names_the_argument_in_the_callers_words():
    from asng_nas.search.utils import check_batch_fits, check_halves_fit

    with pytest.raises(ValueError, match=r"^batch_size=9 is larger than the 8 training images"):
        check_batch_fits(9, 8, "training images")
    with pytest.raises(ValueError, match=r"^--batch-size 9 is larger than the 8 training images"):
        check_batch_fits(9, 8, "training images", "--batch-size")
    with pytest.raises(ValueError, match=r"^--batch-size 5 is larger than the 4 images in each half of the 8"):
        check_halves_fit(5, 8, "--batch-size")
    check_batch_fits(8, 8, "training images")


def test_the_lead_is_rank_0(monkeypatch, capsys):
    from asng_nas.cli.launch import lead_print
    from asng_nas.search.distributed import is_lead

    monkeypatch.delenv("RANK", raising=False)
    assert is_lead()
    monkeypatch.setenv("RANK", "1")
    lead_print("not here")
    assert not is_lead() and capsys.readouterr().out == ""
    monkeypatch.setenv("RANK", "0")
    lead_print("here")
    assert is_lead() and capsys.readouterr().out == "here\n"


def test_torch_file_errors_name_what_the_file_should_be(tmp_path):
    from asng_nas.search.checkpoint import CheckpointError, load_torch_file, read_checkpoint

    empty, text, cut, missing = tmp_path / "e.pt", tmp_path / "t.pt", tmp_path / "c.pt", tmp_path / "m.pt"
    empty.write_bytes(b"")
    text.write_text("not torch")  # pickle reads an opcode weights_only refuses
    torch.save({"model": {"w": torch.zeros(64)}}, cut)
    cut.write_bytes(cut.read_bytes()[:200])
    cases = {
        empty: ("is empty (0 bytes): not a torch file; fix", "is empty (0 bytes): not a torch checkpoint; fix"),
        text: ("(not a torch file, or one holding other objects); fix", "(not a torch checkpoint, or one holding"),
        cut: ("is truncated or not a torch file", "is truncated or not a torch checkpoint"),
    }
    for path, (as_file, as_checkpoint) in cases.items():
        with pytest.raises(CheckpointError) as e:
            load_torch_file(path, "fix")
        assert as_file in str(e.value) and str(path) in str(e.value)
        with pytest.raises(CheckpointError) as e:
            read_checkpoint(path, None, "fix")
        assert as_checkpoint in str(e.value) and "torch file" not in str(e.value)
    with pytest.raises(FileNotFoundError, match="m.pt: no such file"):
        load_torch_file(missing, "fix")
    with pytest.raises(FileNotFoundError, match="m.pt: no checkpoint there"):
        read_checkpoint(missing, None, "fix")
