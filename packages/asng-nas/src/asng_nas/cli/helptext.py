"""The texts of ``asng-nas --help``: the formatter that shows every default, and the
descriptions that state the paper's scale of the defaults with a small example."""

from __future__ import annotations

import argparse

__all__ = ["DESCRIPTIONS", "HelpFormatter", "ROOT_DESCRIPTION", "SEARCH_EXAMPLE"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's line breaks and appends ``(default: X)`` to every flag whose help
    does not already state its default (not for ``--no-x`` switches or ``None`` defaults)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            action.option_strings
            and "default" not in text
            and action.default not in (None, argparse.SUPPRESS)
            and action.nargs != 0  # store_true / store_false switches
        ):
            text += " (default: %(default)s)"
        return text


SCALE_NOTE = """\
The defaults are the paper's scale:
{scale}.
A small example on the embedded data{took}:

  {example}
"""
SEARCH_EXAMPLE = (
    "asng-nas search --epochs 10 --cells 3 --channels 8 --batch-size 32 --threads 1 --out runs/digits-search"
)
DESCRIPTIONS = {
    "search": SCALE_NOTE.format(
        scale="100 epochs of an 8-cell supernet, hours on a CPU (meant for a GPU)",
        example=SEARCH_EXAMPLE,
        took=" (under a minute on 2 cores)",
    ),
    "retrain": SCALE_NOTE.format(
        scale="600 epochs of 20 cells (about 4 million parameters), days on a CPU (meant for a GPU)",
        example="asng-nas retrain --arch runs/digits-search --epochs 5 --cells 3 --channels 8 --threads 1 "
        "--out runs/digits-retrain",
        took="",
    ),
    "inpaint-search": SCALE_NOTE.format(
        scale="50,000 iterations on 64 x 64 faces, widths up to 256, days on a CPU (meant for a GPU)",
        example="asng-nas inpaint-search --iterations 300 --nodes 10 --channels 16,32,64 --image-size 32 "
        "--threads 1 --out runs/inpaint-search",
        took="",
    ),
    "inpaint-retrain": SCALE_NOTE.format(
        scale="500,000 iterations, days on a CPU (meant for a GPU)",
        example="asng-nas inpaint-retrain --arch runs/inpaint-search --iterations 500 --eval-every 100 "
        "--image-size 32 --threads 1 --out runs/inpaint-retrain",
        took="",
    ),
    "evaluate": """\
Reads the model.pt of asng-nas retrain and prints its test loss, accuracy and error on
--dataset as one JSON line (the data set the model was trained on; another is refused).
Seconds on a CPU for the embedded digits. After the retrain example:

  asng-nas evaluate --model runs/digits-retrain/model.pt --threads 1
""",
    "summary": """\
Recognises each folder by its files (search, inpaint-search, retrain, inpaint-retrain, and the
Python API's asng_nas.nn.search) and prints what the run found, what its numbers mean, and one
line per file. It only reads; a path that is not a folder exits with status 2. For example:

  asng-nas summary runs/digits-search runs/digits-retrain
""",
}
ROOT_DESCRIPTION = f"""\
One-shot neural architecture search with ASNG (Akimoto, Shirakawa et al., ICML 2019).

The defaults of search, retrain, inpaint-search and inpaint-retrain are the paper's scale (hours to
days on a CPU). A short search on the embedded digits, under a minute on 2 cores:

  {SEARCH_EXAMPLE}
  asng-nas summary runs/digits-search
"""
