"""The ``--out`` folder of a command: refuse to write over a previous run unless asked to.

The check lives in :mod:`asng_nas.search.outdir` (the Python API uses it too); this module keeps
its names for the commands.
"""

from __future__ import annotations

from ..search.outdir import OUTPUTS, OutDirError, checkpoint_name, prepare_out_dir, previous_outputs

__all__ = ["OUTPUTS", "OutDirError", "previous_outputs", "prepare_out_dir", "checkpoint_name"]
