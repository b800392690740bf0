"""Run ``asng-bench ARGV`` in this process, as the CLI tests do (shared by the test files)."""

from __future__ import annotations

import pytest

from asng_bench.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``asng-bench ARGV`` in this process: (exit status, stdout, stderr)."""
    try:
        main(argv)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
