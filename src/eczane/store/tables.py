"""Imports every area's tables so that ``metadata`` is complete (for Alembic and tests)."""

from eczane.store import core  # noqa: F401
from eczane.store.base import metadata

__all__ = ["metadata"]
