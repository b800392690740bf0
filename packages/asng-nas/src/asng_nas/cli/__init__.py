"""The ``asng-nas`` command line (``python -m asng_nas``): :mod:`.parser` builds the argument
parser and reads config files, :mod:`.commands` runs the sub-commands."""

from .commands import main
from .parser import build_parser, parse_args

__all__ = ["build_parser", "main", "parse_args"]
