"""Catalog changes with a preview, and the catalog's previous versions.

Every catalog import is planned first (``plan_import``: ``domain/catalog_change.py``) and
written only with the plan's digest (``apply_import``), so what the pharmacist confirmed is what
is written: a different file, or a catalog changed since the preview, gives another digest and
is refused (``StalePreview``). Issue 14 finding 1.

Versions: each import is a ``catalog_version`` row, and ``catalog_version_row`` keeps the
previous value of every product it touched (``existed`` false: the import added it). So the
catalog as it was before any import is known exactly, and ``restore_previous`` puts back the
catalog as it was before the latest import that is not yet undone (an undo stack: restoring
again goes one version further back). A restore is previewed and confirmed the same way and
audited (``catalog.restored``), as imports are (``imports.catalog``).

The catalog is shared by the pharmacies of a database (``store/catalog.py``): a version records
which pharmacy's user made it (``acting_pharmacy_id``, deliberately not ``pharmacy_id``, so a
pharmacy's backup and restore leave the shared history alone), and the audit event goes to that
pharmacy's log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.catalog_change import CatalogPlan, merge, plan
from eczane.importers.catalog import CatalogFile
from eczane.store.audit import append_event
from eczane.store.base import installation_table, metadata
from eczane.store.catalog import _dialect_insert, product

catalog_version = Table(
    "catalog_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Integer, nullable=True),
    Column("acting_pharmacy_id", Integer, nullable=True),
    Column("source_name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", Integer, nullable=True),
    info=installation_table(),
)

catalog_version_row = Table(
    "catalog_version_row",
    metadata,
    Column("version_id", Integer, ForeignKey("catalog_version.id", ondelete="CASCADE"),
           nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("existed", Boolean, nullable=False),
    Column("name", String(300), nullable=False),
    Column("form", String(100), nullable=False),
    Column("manufacturer", String(200), nullable=False),
    Column("prescription_class", String(10), nullable=True),
    Column("flagged_unknown", Boolean, nullable=False),
    Column("source", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("version_id", "gtin", name="pk_catalog_version_row"),
    info=installation_table(),
)

_PRODUCT_COLS = ("name", "form", "manufacturer", "prescription_class", "flagged_unknown",
                 "source", "updated_at")


class StalePreview(Exception):
    """The confirmed preview is not the change that would be written now (Turkish message)."""

    def __init__(self, message: str, *, code: str = "stale_preview") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Version:
    """One catalog import, as listed on the page and by the CLI."""

    id: int
    created_at: datetime
    source_name: str
    sha256: str
    summary: dict[str, int]
    undone_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _catalog_product(row: Any) -> Product | None:
    """The product as the catalog knows it; a GTIN only known from İTS (flagged) is not."""
    if row is None or row.flagged_unknown:
        return None
    pc = PrescriptionClass(row.prescription_class) if row.prescription_class else None
    return Product(row.gtin, row.name, pc, row.form, row.manufacturer)


def _any_product(row: Any) -> Product | None:
    if row is None:
        return None
    pc = PrescriptionClass(row.prescription_class) if row.prescription_class else None
    return Product(row.gtin, row.name, pc, row.form, row.manufacturer)


def _rows(conn: Connection, gtins: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(gtins))
    out: dict[str, Any] = {}
    for i in range(0, len(wanted), 500):
        out.update({r.gtin: r for r in conn.execute(
            select(product).where(product.c.gtin.in_(wanted[i:i + 500])))})
    return out


def _targets(conn: Connection, f: CatalogFile) -> tuple[dict[str, Any], list[Product]]:
    current = _rows(conn, (p.gtin for p in f.products))
    after = [merge(_any_product(current.get(p.gtin)), p, f.columns) for p in f.products]
    return current, after


def plan_import(conn: Connection, f: CatalogFile) -> CatalogPlan:
    """What importing ``f`` would change (nothing is written)."""
    current, after = _targets(conn, f)
    notes = []
    if "prescription_class" not in f.columns:
        notes.append("Dosyada reçete türü sütunu yok: katalogdaki reçete türleri korunur, yeni "
                     "ürünlerin reçete türü bilinmiyor olur.")
    return plan(((_catalog_product(current.get(p.gtin)), p) for p in after),
                rows_ok=len(f.products), rows_bad=f.data_rows - len(f.products), notes=notes)


def _check(p: CatalogPlan, expected_digest: str, *, confirmed: bool) -> None:
    if p.digest != expected_digest:
        raise StalePreview("Onayladığınız önizleme artık geçerli değil (katalog ya da dosya "
                           "değişti); değişiklikleri yeniden gözden geçirin.")
    if p.needs_confirmation and not confirmed:
        raise StalePreview("Bu değişiklik bilgi siliyor ya da reçete türü düşürüyor: açıkça "
                           "onaylamanız gerekiyor.", code="confirmation_needed")


def _write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 1000):
        stmt = _dialect_insert(conn, product)
        stmt = stmt.on_conflict_do_update(
            index_elements=[product.c.gtin], set_={k: stmt.excluded[k] for k in _PRODUCT_COLS})
        conn.execute(stmt, rows[i:i + 1000])


def _summary(p: CatalogPlan) -> dict[str, int]:
    return {"added": len(p.added), "changed": len(p.changed), "removed": len(p.removed),
            "downgraded": len(p.downgraded), "cleared": len(p.cleared),
            "unchanged": p.unchanged, "rows_ok": p.rows_ok, "rows_bad": p.rows_bad}


def apply_import(conn: Connection, f: CatalogFile, *, expected_digest: str, confirmed: bool,
                 pharmacy_id: int, user_id: int | None, source: str = "") -> Version:
    """Write the import the pharmacist saw (in the caller's transaction) as a new version.

    Args:
        expected_digest: ``plan_import(...).digest`` of the preview that was confirmed.
        confirmed: the explicit confirmation a downgrade, a cleared value or a mostly bad file
            needs (``CatalogPlan.needs_confirmation``).

    Raises:
        StalePreview: the change is not the one previewed, or it needs ``confirmed``.
    """
    p = plan_import(conn, f)
    current, after = _targets(conn, f)
    _check(p, expected_digest, confirmed=confirmed)
    now = _now()
    summary = _summary(p)
    vid = int(conn.execute(insert(catalog_version).values(
        created_at=now, created_by=user_id, acting_pharmacy_id=pharmacy_id,
        source_name=source or f.source_name, sha256=f.sha256, summary=summary))
        .inserted_primary_key[0])  # type: ignore[index]
    touched = {c.gtin for c in p.changes}
    saved = []
    for g in sorted(touched):
        r = current.get(g)
        saved.append({"version_id": vid, "gtin": g, "existed": r is not None,
                      "name": r.name if r else "", "form": r.form if r else "",
                      "manufacturer": r.manufacturer if r else "",
                      "prescription_class": r.prescription_class if r else None,
                      "flagged_unknown": bool(r.flagged_unknown) if r else False,
                      "source": r.source if r else "", "updated_at": r.updated_at if r else None})
    for i in range(0, len(saved), 1000):
        conn.execute(insert(catalog_version_row), saved[i:i + 1000])
    _write(conn, [{"gtin": a.gtin, "name": a.name, "form": a.form, "manufacturer": a.manufacturer,
                   "prescription_class": a.prescription_class.value if a.prescription_class
                   else None, "flagged_unknown": False, "source": (source or f.source_name)[:100],
                   "updated_at": now} for a in after if a.gtin in touched])
    append_event(conn, pharmacy_id, user_id, "imports.catalog", {
        "version_id": vid, "source_name": source or f.source_name, "sha256": f.sha256,
        **summary, "downgraded_gtins": [c.gtin for c in p.downgraded][:200]})
    return Version(vid, now, source or f.source_name, f.sha256, summary, None)


# ---------------------------------------------------------------- versions and restore


def _version(row: Any) -> Version:
    return Version(row.id, row.created_at, row.source_name, row.sha256,
                   dict(row.summary or {}), row.undone_at)


def list_versions(conn: Connection, *, limit: int = 10) -> list[Version]:
    """The latest catalog versions, newest first (undone ones included, marked)."""
    rows = conn.execute(select(catalog_version).order_by(catalog_version.c.id.desc()).limit(limit))
    return [_version(r) for r in rows]


def undoable_version(conn: Connection) -> Version | None:
    """The latest import not yet undone: restoring the previous version undoes it."""
    row = conn.execute(select(catalog_version).where(catalog_version.c.undone_at.is_(None))
                       .order_by(catalog_version.c.id.desc()).limit(1)).first()
    return None if row is None else _version(row)


def _saved(conn: Connection, version_id: int) -> list[Any]:
    return list(conn.execute(select(catalog_version_row)
                             .where(catalog_version_row.c.version_id == version_id)
                             .order_by(catalog_version_row.c.gtin)))


def plan_restore(conn: Connection) -> tuple[Version, CatalogPlan] | None:
    """The latest import to undo and what restoring the catalog before it would change."""
    v = undoable_version(conn)
    if v is None:
        return None
    saved = _saved(conn, v.id)
    current = _rows(conn, (s.gtin for s in saved))
    pairs = [(_catalog_product(current.get(s.gtin)),
              _catalog_product(s) if s.existed else None) for s in saved]
    return v, plan(pairs, rows_ok=0, rows_bad=0)


def restore_previous(conn: Connection, *, expected_digest: str, confirmed: bool,
                     pharmacy_id: int, user_id: int | None) -> Version:
    """Put back the catalog as it was before the latest import (in the caller's transaction).

    Raises:
        StalePreview: nothing to restore, the change is not the one previewed, or it needs
            ``confirmed``.
    """
    planned = plan_restore(conn)
    if planned is None:
        raise StalePreview("Geri dönülecek önceki katalog sürümü yok.", code="no_version")
    v, p = planned
    _check(p, expected_digest, confirmed=confirmed)
    saved = _saved(conn, v.id)
    gone = [s.gtin for s in saved if not s.existed]
    for i in range(0, len(gone), 500):
        conn.execute(delete(product).where(product.c.gtin.in_(gone[i:i + 500])))
    _write(conn, [{"gtin": s.gtin, **{k: getattr(s, k) for k in _PRODUCT_COLS}}
                  | {"updated_at": s.updated_at or _now()} for s in saved if s.existed])
    now = _now()
    conn.execute(update(catalog_version).where(catalog_version.c.id == v.id)
                 .values(undone_at=now, undone_by=user_id))
    summary = _summary(p)
    append_event(conn, pharmacy_id, user_id, "catalog.restored", {
        "undone_version_id": v.id, "undone_source_name": v.source_name, **summary,
        "downgraded_gtins": [c.gtin for c in p.downgraded][:200]})
    return v
