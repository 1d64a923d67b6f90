"""Every example in a docstring runs (STYLE §12: examples in docstrings are doctests).

The modules are found, not listed: a module that gains a ``>>>`` example is tested from then on,
and one whose examples are all removed drops out. Alembic revisions and ``__main__`` (which starts
the CLI on import) are the only modules not imported.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import eczane

SRC = Path(eczane.__file__).parent


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(eczane.__path__, "eczane."):
        if ".alembic" in info.name or info.name.endswith(".__main__"):
            continue
        parts = info.name.split(".")[1:]
        path = (SRC.joinpath(*parts, "__init__.py") if info.ispkg
                else SRC.joinpath(*parts).with_suffix(".py"))
        if ">>> " in path.read_text(encoding="utf-8"):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()
MIN_EXAMPLES = {"eczane.domain.text": 7}
"""Modules whose examples were counted by an earlier test: fewer collected means some were lost."""


def test_the_examples_are_found() -> None:
    # The karekod engine, the Turkish text helpers and the licensing rules all carry examples;
    # finding none would mean the walk is broken, not that there is nothing to run.
    for name in ("eczane.domain.karekod", "eczane.domain.text", "eczane.domain.licensing.site"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted >= MIN_EXAMPLES.get(name, 1), \
        f"{name}: '>>> ' in the source but too few examples collected ({result.attempted})"
    assert result.failed == 0
