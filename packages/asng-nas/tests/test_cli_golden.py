"""The command line is unchanged: ``--help`` of every sub-command, the parsed flags and the
configs built from them equal a snapshot (``data/cli_golden.json``). The parsed flags and configs
were taken from the CLI as it was before its flags and configs were generated from the config
dataclasses (when the configs were still filled field by field); the help texts were taken
again when they gained their defaults and the paper-scale note (issue 13). Intended changes since:
``--channels`` / ``--channel-range`` parse to lists of ints (were the raw text), ``--limit``
needs ``--data-dir`` (the embedded faces are used whole), and in the help texts the descriptions
of ``evaluate`` and ``summary``, ``--resume`` (the run's own flags) and ``--iterations`` (exact).

After an intended change of the help texts, regenerate them (on the Python of ``help_python``)::

    python packages/asng-nas/tests/test_cli_golden.py --regenerate-help
"""

import contextlib
import io
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from asng_nas.cli import parser as P

GOLDEN = Path(__file__).parent / "data" / "cli_golden.json"
COMMANDS = ["search", "retrain", "evaluate", "inpaint-search", "inpaint-retrain", "summary"]
ARGV = [
    ["search"],
    ["search", "--epochs", "3", "--lam-x", "4", "--lam-theta", "3", "--no-amp", "--schedule", "iteration"],
    ["search", "--dataset", "cifar10", "--lr", "0.1", "--iters-per-epoch", "5", "--no-progress", "--cutout", "8"],
    ["retrain", "--arch", "a.json"],
    ["retrain", "--arch", "a.json", "--cells", "3", "--channels", "8", "--cutout", "2", "--no-channels-last"],
    ["evaluate", "--model", "m.pt", "--batch-size", "7"],
    ["inpaint-search"],
    ["inpaint-search", "--encoding", "int", "--lam-theta", "5", "--iterations", "0", "--mask", "pixel"],
    ["inpaint-retrain", "--arch", "a.json"],
    ["inpaint-retrain", "--arch", "a.json", "--iterations", "9", "--lr", "0.5", "--limit", "4", "--data-dir", "celeba"],
]


def help_texts() -> dict[str, str]:
    out = {}
    for cmd in [None, *COMMANDS]:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
            P.parse_args(["--help"] if cmd is None else [cmd, "--help"])
        out[str(cmd)] = buf.getvalue()
    return out


def configs(argv: list[str]) -> dict:
    """The parsed namespace and the configs the commands build from it (one process)."""
    from asng_nas.cli import launch as C

    args = P.parse_args(argv)
    doc = {"namespace": dict(sorted(vars(args).items()))}
    cfgs = C.configs(args)
    for name, cfg in cfgs.items():
        doc[name] = asdict(cfg)
    return json.loads(json.dumps(doc))


def test_help_is_unchanged(monkeypatch):
    golden = json.loads(GOLDEN.read_text())
    if list(sys.version_info[:2]) != golden["help_python"]:
        pytest.skip(f"argparse lays --help out differently on Python {sys.version_info[:2]}")
    monkeypatch.setenv("COLUMNS", "100")
    assert help_texts() == golden["help"]


@pytest.mark.parametrize("argv", ARGV, ids=" ".join)
def test_parsed_flags_and_configs_are_unchanged(argv):
    expected = json.loads(GOLDEN.read_text())["argv"][" ".join(argv)]
    got = configs(argv)
    for name, value in expected.items():  # new config fields may appear; none may change
        assert {k: got[name].get(k) for k in value} == value, name


def regenerate_help() -> None:
    """Rewrite the ``help`` part of the snapshot from the CLI as it is now (COLUMNS=100)."""
    import os

    os.environ["COLUMNS"] = "100"
    golden = json.loads(GOLDEN.read_text())
    golden["help"] = help_texts()
    golden["help_python"] = list(sys.version_info[:2])
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate-help"]:
    regenerate_help()
