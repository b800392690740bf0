import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from asng_nas.cli import main, parse_args

torch.set_num_threads(1)

ARGS = [
    "--cells",
    "2",
    "--channels",
    "4",
    "--batch-size",
    "16",
    "--iters-per-epoch",
    "3",
    "--max-test",
    "32",
    "--threads",
    "1",
    "--seed",
    "2",
]


def test_config_file_and_flag_precedence(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"epochs": 7, "lam-theta": 4, "out": "x"}))
    a = parse_args(["search", "--config", str(cfg), "--epochs", "3"])
    assert (a.epochs, a.lam_theta, a.out) == (3, 4, "x")
    toml = tmp_path / "c.toml"
    toml.write_text("epochs = 5\ncells = 3\n")
    assert parse_args(["search", "--config", str(toml)]).cells == 3
    cfg.write_text(json.dumps({"nonsense": 1}))
    with pytest.raises(SystemExit):
        parse_args(["search", "--config", str(cfg)])


def test_missing_cifar_folder_is_reported(tmp_path, capsys):
    rc = main(["search", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")])
    assert rc == 2 and "data_batch_1" in capsys.readouterr().err


def test_killed_search_resumes_to_the_same_theta(tmp_path):
    epochs = ["--epochs", "6", "--no-progress"]
    ref = tmp_path / "ref"
    assert main(["search", "--out", str(ref), *ARGS, *epochs]) == 0

    cut = tmp_path / "cut"
    cmd = [sys.executable, "-m", "asng_nas", "search", "--out", str(cut), *ARGS, *epochs]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 120
    while not (cut / "checkpoint.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (cut / "checkpoint.pt").exists()
    done = torch.load(cut / "checkpoint.pt", weights_only=False)["epoch"]
    assert 1 <= done < 6 and not (cut / "architecture.json").exists()

    assert main(["search", "--out", str(cut), *ARGS, *epochs, "--resume"]) == 0
    a = json.load(open(ref / "architecture.json"))
    b = json.load(open(cut / "architecture.json"))
    np.testing.assert_array_equal(np.asarray(a["theta"]), np.asarray(b["theta"]))
    assert a["choices"] == b["choices"] and a["delta"] == b["delta"]
    rows = (cut / "log.csv").read_text().strip().splitlines()
    assert len(rows) == 7  # header + one line per epoch, none duplicated


def test_retrain_and_evaluate_commands(tmp_path, capsys):
    s = tmp_path / "s"
    assert main(["search", "--out", str(s), *ARGS, "--epochs", "1", "--no-progress"]) == 0
    assert "normal cell:" in capsys.readouterr().out
    r = tmp_path / "r"
    assert (
        main(
            [
                "retrain",
                "--arch",
                str(s / "architecture.json"),
                "--out",
                str(r),
                "--epochs",
                "1",
                "--cells",
                "3",
                "--channels",
                "4",
                "--batch-size",
                "32",
                "--iters-per-epoch",
                "2",
                "--cutout",
                "2",
                "--threads",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "test error" in capsys.readouterr().out
    assert main(["evaluate", "--model", str(r / "model.pt")]) == 0
    assert "test_error" in capsys.readouterr().out
