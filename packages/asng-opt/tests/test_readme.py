"""The package README's examples run as written."""

import contextlib
import io
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
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(BLOCKS[i], f"README block {i}", "exec"), {})
    check_printed(BLOCKS[i], out.getvalue())


def expected_prefix(comment: str) -> str | None:
    """What a ``print(...)  # comment`` line promises: the comment up to an ellipsis or an
    explanation after ``: `` (None where it is a description, e.g. ``== target``; a printed dict,
    ``{...}``, is matched by :func:`matches_dict`)."""
    text = comment.strip()
    if not text or text.startswith(("==", "{", "generations")):
        return None
    text = text.split("...")[0]
    if ": " in text:
        text = text.split(": ")[0]
    return text.strip() or None


def matches_dict(comment: str, line: str) -> bool:
    """Whether a printed dict ``line`` is the one a ``# {...}`` comment shows, each ``...`` standing
    for the digits it elides (e.g. ``'lr': 0.0015...`` matches ``'lr': 0.00153...``)."""
    pattern = "[0-9]*".join(re.escape(piece) for piece in comment.strip().split("..."))
    return re.fullmatch(pattern, line.strip()) is not None


def check_printed(block: str, printed: str) -> None:
    """Each top-level ``print(...)  # expected`` line of a block prints a line starting with what its
    comment says (blocks whose prints are not one line each are not checked)."""
    prints = [ln.split("#", 1) for ln in block.splitlines() if ln.startswith("print(")]
    lines = printed.splitlines()
    if len(prints) != len(lines):
        return
    for (code, *comment), line in zip(prints, lines):
        if comment and comment[0].strip().startswith("{"):
            assert matches_dict(comment[0], line), (
                f"README says {code.strip()} prints {comment[0].strip()}, it printed {line!r}"
            )
            continue
        want = expected_prefix(comment[0]) if comment else None
        if want is not None:
            assert line.startswith(want), f"README says {code.strip()} prints {want!r}, it printed {line!r}"


def test_check_printed_can_fail():
    with pytest.raises(AssertionError, match="it printed '0.0 858"):
        check_printed("print(1)  # 0.0 399 9996 max_evals\n", "0.0 858 9996 max_evals\n")
    check_printed("print(1)  # 0.0 858 9996 max_evals\n", "0.0 858 9996 max_evals\n")
    # a printed dict: the comment's "..." elide digits; another value fails
    shown = "print(best)  # {'lr': 0.0015..., 'width': 128}\n"
    check_printed(shown, "{'lr': 0.001534, 'width': 128}\n")
    for other in (
        "{'lr': 0.0012493, 'width': 128}",
        "{'lr': 0.0015, 'opt': 'sgd', 'width': 128}",
        "{'lr': 0.0015e-09, 'width': 128}",
    ):
        with pytest.raises(AssertionError, match="it printed"):
            check_printed(shown, other + "\n")
