"""The ``asng-nas`` command line (``python -m asng_nas``): :mod:`.parser` builds the argument
parser (with :mod:`.argtypes`, :mod:`.fields`, :mod:`.helptext`, :mod:`.config_file`) and
:mod:`.commands` runs the sub-commands (:mod:`.cell_commands`, :mod:`.inpaint_commands`,
:mod:`.summary`, on :mod:`.launch` and :mod:`.outdir`)."""

from .commands import main
from .parser import build_parser, parse_args

__all__ = ["build_parser", "main", "parse_args"]
