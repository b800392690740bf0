"""Errors about the files the CLI reads (``--arch``, ``--model``, ``--config``) as one line that
names the file: :func:`naming_file`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

__all__ = ["FileContentError", "arch_file", "naming_file"]


class FileContentError(ValueError):
    """A file the command reads is missing, unreadable or not what it should be (one line naming it)."""


def arch_file(path: str | Path) -> Path:
    """The ``architecture.json`` that ``--arch`` names (the file, or the one in that folder)."""
    p = Path(path)
    return p / "architecture.json" if p.is_dir() else p


@contextlib.contextmanager
def naming_file(path: str | Path, what: str) -> Iterator[None]:
    """Around reading ``path`` (``what``: e.g. "an architecture.json"): an ``OSError`` or a
    ``ValueError`` (a JSON syntax error, a missing entry) whose message does not name the file
    becomes :class:`FileContentError` with the first line ``"{path}: ..."``; a message that
    names it already passes unchanged."""
    try:
        yield
    except FileContentError:
        raise
    except json.JSONDecodeError as e:
        where = f"line {e.lineno} column {e.colno}"
        raise FileContentError(f"{path}: not valid JSON ({e.msg}, {where}); give {what}") from None
    except IsADirectoryError as e:
        raise FileContentError(f"{e.filename or path}: is a folder; give {what}") from None
    except FileNotFoundError as e:
        raise FileContentError(f"{e.filename or path}: no such file; give {what}") from None
    except OSError as e:
        raise FileContentError(f"{e.filename or path}: cannot read it ({e.strerror or type(e).__name__})") from None
    except (KeyError, TypeError) as e:  # an entry missing or of the wrong kind
        raise FileContentError(f"{path}: not {what} (entry {e} missing or malformed)") from None
    except ValueError as e:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if str(path) in text or Path(path).name in text:
            raise
        raise FileContentError(f"{path}: {text}") from None
