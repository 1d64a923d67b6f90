"""Imports every area's tables so that ``metadata`` is complete (for Alembic and tests).

One import line per area module that defines tables.
"""

import eczane.accounts.tables  # noqa: F401
import eczane.store.catalog  # noqa: F401
import eczane.store.catalog_versions  # noqa: F401
import eczane.store.count  # noqa: F401
import eczane.store.outbox  # noqa: F401
import eczane.store.reconcile  # noqa: F401
import eczane.store.recount  # noqa: F401
import eczane.store.scanner_check  # noqa: F401
import eczane.store.workers  # noqa: F401
from eczane.store import audit, core  # noqa: F401
from eczane.store.base import metadata

__all__ = ["metadata"]
