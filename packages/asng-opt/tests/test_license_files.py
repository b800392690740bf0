"""Every package ships the repository's licence: its LICENSE is the root's, and its pyproject.toml
declares it (an SPDX expression and the file, PEP 639; setuptools >= 77 writes both into the wheel)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("asng-opt", "asng-nas", "asng-bench")


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_ships_the_root_licence(package):
    here = ROOT / "packages" / package
    assert (here / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    pyproject = (here / "pyproject.toml").read_text()
    assert re.search(r'^license = "MIT"$', pyproject, flags=re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', pyproject, flags=re.M)
    assert re.search(r'^requires = \["setuptools>=77"\]$', pyproject, flags=re.M)


def test_the_licence_is_mit():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
