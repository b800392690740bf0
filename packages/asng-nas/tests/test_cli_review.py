"""The CLI as a newcomer runs it: flag ranges that work, comma lists, file errors naming the file,
``summary`` of every kind of folder, the progress bar only in a terminal, ``evaluate`` on the
data set of the model, and no empty ``--out`` left by a refused run."""

import json
import sys
from pathlib import Path

import pytest
import torch

from asng_nas.cli import main

torch.set_num_threads(1)

TINY_INPAINT = ["--nodes", "2", "--iterations", "1", "--image-size", "11", "--threads", "1", "--batch-size", "4"]
TINY_CELLS = ["--cells", "2", "--channels", "4", "--batch-size", "16", "--iters-per-epoch", "2", "--threads", "1"]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def inpaint_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inpaint") / "search"
    assert main(["inpaint-search", *TINY_INPAINT, "--channels", "4", "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def retrain_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cells")
    assert (
        main(["search", *TINY_CELLS, "--epochs", "1", "--max-test", "32", "--out", str(base / "s"), "--no-progress"])
        == 0
    )
    out = base / "r"
    argv = ["retrain", "--arch", str(base / "s"), *TINY_CELLS, "--epochs", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("command", ["inpaint-search", "inpaint-retrain"])
@pytest.mark.parametrize("size", ["8", "10"])
def test_an_image_smaller_than_the_ssim_window_is_refused_up_front(command, size, tmp_path, capsys):
    out = tmp_path / "o"
    with pytest.raises(SystemExit) as e:
        main([command, "--image-size", size, "--out", str(out), *(["--arch", "x"] if "retrain" in command else [])])
    assert e.value.code == 2
    assert "--image-size" in _error(capsys) and not out.exists()


def test_image_size_11_runs_and_leaves_its_outputs(inpaint_dir):
    assert (inpaint_dir / "architecture.json").is_file()


@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--channels", "0,16"], "--channels"),
        (["--channels", "abc"], "--channels"),
        (["--channels", "16,16"], "--channels"),
        (["--channels", ""], "--channels"),
        (["--encoding", "int", "--channel-range", "64,16"], "--channel-range"),
        (["--channel-range", "0,16"], "--channel-range"),
        (["--channel-range", "16"], "--channel-range"),
        (["--channel-range", "4,8,16"], "--channel-range"),
    ],
)
def test_bad_comma_lists_are_usage_errors_naming_the_flag(flags, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["inpaint-search", *flags, "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    err = _error(capsys)
    assert err.startswith("asng-nas inpaint-search: error: argument " + flag) and not (tmp_path / "o").exists()


def test_comma_lists_from_a_config_file_are_checked(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"channels": [0, 4]}))
    with pytest.raises(SystemExit) as e:
        main(["inpaint-search", "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "argument --channels" in _error(capsys)


def test_unknown_config_keys_are_a_usage_error(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"nonsense": 1}))
    with pytest.raises(SystemExit) as e:
        main(["search", "--config", str(cfg)])
    err = _error(capsys)
    assert e.value.code == 2 and err.startswith("asng-nas search: error:") and "nonsense" in err and str(cfg) in err


def test_limit_with_the_embedded_faces_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["inpaint-search", "--limit", "5", "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "argument --limit" in _error(capsys)


@pytest.mark.parametrize("command", ["retrain", "inpaint-retrain"])
@pytest.mark.parametrize("content", ["{not", "", "[1, 2"])
def test_an_invalid_arch_file_is_one_line_naming_it(command, content, tmp_path, capsys):
    arch = tmp_path / "bad.json"
    arch.write_text(content)
    out = tmp_path / "o"
    assert main([command, "--arch", str(arch), "--out", str(out)]) == 2
    err = _error(capsys)
    assert str(arch) in err and "JSON" in err and not out.exists()


def test_a_missing_arch_in_a_folder_names_the_file(tmp_path, capsys):
    assert main(["retrain", "--arch", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert str(tmp_path / "architecture.json") in _error(capsys)


def test_out_that_cannot_be_created_is_one_line_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "sub"
    assert main(["inpaint-search", *TINY_INPAINT, "--channels", "4", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and str(out) in captured.err and len(captured.err.strip().splitlines()) == 1


def test_a_failed_run_leaves_no_empty_out_folder(tmp_path, capsys, monkeypatch):
    import asng_nas.inpainting.task as task

    def fail(*a, **k):
        raise ValueError("boom after --out was prepared")

    monkeypatch.setattr(task, "build_inpainting_search", fail)
    out = tmp_path / "a" / "b"
    assert main(["inpaint-search", *TINY_INPAINT, "--out", str(out)]) == 2
    assert "boom" in _error(capsys) and not (tmp_path / "a").exists()


def test_evaluate_refuses_a_model_of_another_data_set(retrain_dir, capsys):
    assert main(["evaluate", "--model", str(retrain_dir / "model.pt"), "--dataset", "fashion-mnist"]) == 2
    err = _error(capsys)
    assert "digits" in err and "fashion-mnist" in err and "model.pt" in err


def test_evaluate_says_an_inpainting_model_is_not_its_kind(tmp_path, capsys):
    torch.save({"state_dict": {}, "architecture": {"nodes": []}, "config": {}}, tmp_path / "model.pt")
    assert main(["evaluate", "--model", str(tmp_path / "model.pt")]) == 2
    assert "inpainting model" in _error(capsys)


def test_summary_of_what_is_not_a_folder_exits_2(tmp_path, capsys):
    f = tmp_path / "some_file.py"
    f.write_text("")
    assert main(["summary", str(tmp_path / "nonexist"), str(f)]) == 2
    err = capsys.readouterr().err
    assert "no such folder" in err and "is a file" in err


def test_summary_describes_only_files_that_exist(inpaint_dir, tmp_path, capsys):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "architecture.json").write_text((inpaint_dir / "architecture.json").read_text())
    assert main(["summary", str(inpaint_dir), str(bare)]) == 0
    out = capsys.readouterr().out
    full, partial = out.split(f"{bare}:")
    assert "inpainting.png" in full and "inpainting.png" not in partial


def test_summary_of_an_inpaint_retrain_folder_does_not_send_model_pt_to_evaluate(tmp_path, capsys):
    (tmp_path / "metrics.json").write_text(json.dumps({"parameters": 10, "test_psnr": 12.0, "test_ssim": 0.1}))
    (tmp_path / "model.pt").write_bytes(b"x")
    assert main(["summary", str(tmp_path)]) == 0
    model_line = next(ln for ln in capsys.readouterr().out.splitlines() if "model.pt" in ln)
    assert "evaluate --model reads" not in model_line


def test_summary_recognises_a_python_api_search_folder(tmp_path, capsys):
    doc = {"space": "ModelSpace", "epochs": 2, "final": {}, "nn": {"choices": {"k": 3}}}
    (tmp_path / "architecture.json").write_text(json.dumps(doc))
    (tmp_path / "export").mkdir()
    assert main(["summary", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "asng_nas.nn.search" in out and "export/" in out and "cell search" not in out and "chance" not in out


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(["search", *TINY_CELLS, "--epochs", "2", "--max-test", "32", "--out", str(tmp_path / "s")]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "it/s" not in captured.err
    assert "search 1/2 |" in captured.out and "search 2/2 |" in captured.out


def test_the_bar_follows_the_terminal():
    from asng_nas.search.loop import show_bar

    class Tty:
        def isatty(self) -> bool:
            return True

    saved = sys.stderr
    try:
        sys.stderr = Tty()  # type: ignore[assignment]
        assert show_bar(True) and not show_bar(False)
    finally:
        sys.stderr = saved
    assert not show_bar(True) or sys.stderr.isatty()


def test_a_skipped_figure_is_a_warning(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    out = tmp_path / "o"
    assert main(["inpaint-search", *TINY_INPAINT, "--channels", "4", "--out", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "asng-nas: warning: matplotlib is not installed" in err and not (out / "inpainting.png").exists()


def test_the_library_refuses_images_below_the_ssim_window_before_training(tmp_path):
    from asng_nas.inpainting.task import build_inpainting_search

    x = torch.zeros(20, 3, 8, 8, dtype=torch.uint8)
    with pytest.raises(ValueError, match="11 x 11"):
        build_inpainting_search(x, x[:4], tmp_path / "o", n_nodes=2, channels=(4,), batch_size=2)
    assert not (tmp_path / "o").exists()
