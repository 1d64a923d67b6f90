"""The module docstrings' examples run (STYLE §12: examples in docstrings are doctests)."""

import doctest
import importlib

import pytest

MODULES = ["reasons", "site", "score", "rights", "vacancy", "documents", "fees", "feasibility",
           "deadlines", "ical", "names", "tracker"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    mod = importlib.import_module(f"eczane.domain.licensing.{name}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0
