"""``python -m asng_nas.gpu_check``: see :mod:`asng_nas.gpu_check`."""

from .cli import main

raise SystemExit(main())
