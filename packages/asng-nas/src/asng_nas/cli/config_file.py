"""``--config``: flag values from a JSON or TOML file, checked like the command line's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .argtypes import Number, device_flag

__all__ = ["check_values", "load_config"]


def load_config(path: str) -> dict[str, Any]:
    p = Path(path)
    try:
        if p.suffix == ".toml":
            try:
                import tomllib
            except ImportError:  # pragma: no cover - Python < 3.11
                raise SystemExit("TOML configs need Python >= 3.11; use JSON") from None
            with open(p, "rb") as fh:
                cfg = tomllib.load(fh)
        else:
            with open(p) as fh:
                cfg = json.load(fh)
    except OSError as e:
        raise SystemExit(f"asng-nas: error: {path}: cannot read the config ({e.strerror})") from None
    except ValueError as e:  # json.JSONDecodeError, tomllib.TOMLDecodeError
        raise SystemExit(f"asng-nas: error: {path}: not a valid config file ({e})") from None
    if not isinstance(cfg, dict):
        raise SystemExit(f"{path}: the config must be a table / object of flag values")
    return {k.replace("-", "_"): v for k, v in cfg.items()}


def check_values(sub: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Run the checks of the numeric flags and ``--device`` on values that did not come through
    argparse's conversion (those of a ``--config`` file); a bad one is a usage error."""
    for action in sub._actions:
        check = action.type
        value = getattr(args, action.dest, None)
        if value is None or isinstance(value, str) or not (isinstance(check, Number) or check is device_flag):
            continue
        try:
            check(value)
        except argparse.ArgumentTypeError as e:
            sub.error(f"argument {'/'.join(action.option_strings)}: {e}")
