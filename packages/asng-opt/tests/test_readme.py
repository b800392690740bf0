"""The package README's examples run as written."""

import builtins
import contextlib
import io
import re
import sys
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
    check_printed(BLOCKS[i], run_block(BLOCKS[i], f"README block {i}"))


def run_block(block: str, name: str) -> dict[int, list[str]]:
    """Run a README block; returns what each of its lines (1-based) printed, one string per call
    of ``print`` (its own prints, and those of functions it defines, by the block's line that
    made the call)."""
    printed: dict[int, list[str]] = {}

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is not None:
            return builtins.print(*args, sep=sep, end=end, file=file, flush=flush)
        frame = sys._getframe(1)
        while frame.f_code.co_filename != name:  # the block's frame is on the stack: print is its global
            frame = frame.f_back
            assert frame is not None, f"print called from outside {name}"
        printed.setdefault(frame.f_lineno, []).append((" " if sep is None else sep).join(map(str, args)))

    with contextlib.redirect_stdout(io.StringIO()):  # what the library itself prints stays out
        exec(compile(block, name, "exec"), {"print": recording_print})
    return printed


def is_description(comment: str) -> bool:
    """Whether a ``print(...)  # comment`` describes its output instead of showing it (``== target``,
    ``generations told, ...``)."""
    text = comment.strip()
    return not text or text.startswith(("==", "generations"))


def matches_text(comment: str, line: str) -> bool:
    """Whether a printed ``line`` is what a ``# comment`` shows: the whole comment, each ``...``
    standing for any text (``(lam=10, ...)``), or, where that fails, the comment's part before its
    first ``: `` followed by an explanation (``True: res.x is the best point evaluated``)."""

    shown = comment.split(": ", 1)[0] if ": " in comment else None  # the part before an explanation
    return _elided_match(comment, line, ".*") or (shown is not None and _elided_match(shown, line, ".*"))


def matches_dict(comment: str, line: str) -> bool:
    """Whether a printed dict ``line`` is the one a ``# {...}`` comment shows, each ``...`` standing
    for the digits it elides (e.g. ``'lr': 0.0015...`` matches ``'lr': 0.00153...``)."""
    return _elided_match(comment, line, "[0-9]*")


def _elided_match(shown: str, line: str, wildcard: str) -> bool:
    """Whether ``line`` is ``shown`` with each ``...`` standing for text that ``wildcard`` (a regular
    expression) matches (surrounding blanks ignored)."""
    pattern = wildcard.join(re.escape(piece) for piece in shown.strip().split("..."))
    return re.fullmatch(pattern, line.strip()) is not None


def check_printed(block: str, printed: dict[int, list[str]]) -> None:
    """Each ``print(...)  # expected`` line of a block (at any indentation) printed, every time it
    ran, the line its comment shows (:func:`matches_text`; a dict: :func:`matches_dict`); a
    commented print that printed nothing fails too; a description (:func:`is_description`) is not
    checked. ``printed``: :func:`run_block`'s record."""
    for number, text in enumerate(block.splitlines(), start=1):
        code, _, comment = text.partition("  # ")
        if not code.lstrip().startswith("print(") or not comment:
            continue
        if is_description(comment):
            continue
        matches = matches_dict if comment.strip().startswith("{") else matches_text
        outputs = printed.get(number)
        assert outputs, f"README says {code.strip()} prints {comment.strip()!r}, it printed nothing"
        for out in outputs:
            line = out.splitlines()[0] if out else ""
            assert matches(comment, line), f"README says {code.strip()} prints {comment.strip()!r}, it printed {line!r}"


def test_check_printed_can_fail():
    with pytest.raises(AssertionError, match="it printed '0.0 858"):
        check_printed("print(1)  # 0.0 399 9996 max_evals\n", {1: ["0.0 858 9996 max_evals"]})
    check_printed("print(1)  # 0.0 858 9996 max_evals\n", {1: ["0.0 858 9996 max_evals"]})
    # a printed dict: the comment's "..." elide digits; another value fails
    shown = "print(best)  # {'lr': 0.0015..., 'width': 128}\n"
    check_printed(shown, {1: ["{'lr': 0.001534, 'width': 128}"]})
    for other in (
        "{'lr': 0.0012493, 'width': 128}",
        "{'lr': 0.0015, 'opt': 'sgd', 'width': 128}",
        "{'lr': 0.0015e-09, 'width': 128}",
    ):
        with pytest.raises(AssertionError, match="it printed"):
            check_printed(shown, {1: [other]})


def test_every_commented_print_is_checked_whatever_the_other_prints():
    # the check before matched prints to output lines by count and skipped a block where an
    # indented print (in a loop, an except clause) made the counts differ: the README's named-space
    # example went unchecked. Now each print is checked by the line that made it, at any depth
    block = (
        "for i in range(2):\n    print(i)\nprint('a')  # b\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    print(e)  # oops\n"
    )
    printed = run_block(block, "test block")
    assert printed == {2: ["0", "1"], 3: ["a"], 7: ["division by zero"]}
    with pytest.raises(AssertionError, match="it printed 'a'"):
        check_printed(block, printed)
    with pytest.raises(AssertionError, match="it printed 'division by zero'"):
        check_printed(block.replace("# b", "# a"), printed)
    check_printed(block.replace("# b", "# a").replace("# oops", "# division by zero"), printed)
    # a commented print that never ran fails; so does each run of a print in a loop
    with pytest.raises(AssertionError, match="it printed nothing"):
        check_printed("if False:\n    print(1)  # 1\n", run_block("if False:\n    print(1)  # 1\n", "test block"))
    with pytest.raises(AssertionError, match="it printed '1'"):
        check_printed(
            "for i in range(2):\n    print(i)  # 0\n", run_block("for i in range(2):\n    print(i)  # 0\n", "t")
        )
    # prints made inside functions the block defines count for the block's line that called them
    assert run_block("def f():\n    print('x')\nf()\n", "t") == {2: ["x"]}


def test_a_text_comment_is_matched_whole_and_an_explanation_after_its_colon_is_not_output():
    message = "print(err)  # Space.encode_one: variable 'width': 40 is not on the grid IntRange(16, 256, step=16)\n"
    check_printed(
        message, {1: ["Space.encode_one: variable 'width': 40 is not on the grid IntRange(16, 256, step=16)"]}
    )
    with pytest.raises(AssertionError, match="it printed"):  # the part after the first ": " counts too
        check_printed(message, {1: ["Space.encode_one: variable 'width': 48 is not on the grid IntRange(0, 99)"]})
    shape = "print(d)  # Product(cat=Categorical(...), int=Integer(...), float=Gaussian(...))\n"
    check_printed(shape, {1: ["Product(cat=Categorical([3]), int=Integer(0, 8), float=Gaussian(size=2))"]})
    with pytest.raises(AssertionError, match="it printed"):
        check_printed(shape, {1: ["Product(cat=Categorical([3]), int=Integer(0, 8), float=Integer(0, 1))"]})
    explained = "print(x)  # True: res.x is the best point evaluated\n"
    check_printed(explained, {1: ["True"]})
    with pytest.raises(AssertionError, match="it printed 'True and more'"):
        check_printed(explained, {1: ["True and more"]})
    # described outputs are not checked
    check_printed("print(t)  # generations told, lam, the most likely index\n", {1: ["3 4 0"]})


def test_the_recording_print_joins_as_print_does():
    assert run_block("print(1, 2, sep=None)\nprint(1, 2, sep='-')\nprint()\n", "t") == {1: ["1 2"], 2: ["1-2"], 3: [""]}
