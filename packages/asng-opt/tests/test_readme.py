"""The package README's examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


#: optional packages (extras) a README example may import: its test is skipped where they are missing
OPTIONAL = ("optuna", "dask", "distributed", "ray")


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_readme_example_runs(i):
    for module in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", BLOCKS[i], flags=re.M):
        for name in OPTIONAL:
            if name in module.split("."):
                pytest.importorskip(name)
    exec(compile(BLOCKS[i], f"README block {i}", "exec"), {})
