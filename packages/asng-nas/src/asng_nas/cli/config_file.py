"""``--config``: flag values from a JSON or TOML file, checked like the command line's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .argtypes import IntList, Number, device_flag

__all__ = ["ConfigError", "check_values", "load_config"]


class ConfigError(ValueError):
    """A ``--config`` file that cannot be read or is not a table of flag values (one line naming it)."""


def load_config(path: str) -> dict[str, Any]:
    """The flag values of the JSON or TOML file ``path`` (keys with dashes become underscores).

    Raises :class:`ConfigError` naming the file when it cannot be read, does not parse or is
    not a table / object."""
    p = Path(path)
    try:
        if p.suffix == ".toml":
            try:
                import tomllib
            except ImportError:  # pragma: no cover - Python < 3.11
                raise ConfigError(f"{path}: TOML configs need Python >= 3.11; use JSON") from None
            with open(p, "rb") as fh:
                cfg = tomllib.load(fh)
        else:
            with open(p) as fh:
                cfg = json.load(fh)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the config ({e.strerror})") from None
    except ValueError as e:  # json.JSONDecodeError, tomllib.TOMLDecodeError
        raise ConfigError(f"{path}: not a valid config file ({_one_line(e)})") from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: the config must be a table / object of flag values")
    return {k.replace("-", "_"): v for k, v in cfg.items()}


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def check_values(sub: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Run the checks of the numeric flags, the comma lists and ``--device`` on values that did
    not come through argparse's conversion (those of a ``--config`` file); a bad one is a usage
    error. A comma list from the file (text or a JSON / TOML list) is stored converted."""
    for action in sub._actions:
        check = action.type
        value = getattr(args, action.dest, None)
        if value is None:
            continue
        if isinstance(check, IntList):
            pass  # checking a checked tuple again returns it
        elif isinstance(value, str) or not (isinstance(check, Number) or check is device_flag):
            continue
        try:
            checked = check(value)
        except argparse.ArgumentTypeError as e:
            sub.error(f"argument {'/'.join(action.option_strings)}: {e}")
        if isinstance(check, IntList):
            setattr(args, action.dest, checked)
