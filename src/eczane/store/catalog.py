"""Drug catalog, İTS stock snapshots and on-hand karekod lists: tables and queries.

- ``product`` is global (the catalog is not a pharmacy's data); an İTS GTIN missing from it is
  added with ``flagged_unknown`` and no prescription class (unknown is never "normal").
- ``its_snapshot`` + ``its_stock_pack``: one import of the İTS stock file = one snapshot, with
  its time, source file name and SHA-256 (the same file twice is recognised), counts and the
  first ``MAX_STORED_ISSUES`` row issues. Packs are keyed by (GTIN, serial) per snapshot.
- ``column_mapping``: the user's column mapping of an unknown layout, remembered per pharmacy
  and layout signature.
- ``onhand_import`` + ``onhand_pack``: the pharmacy program's karekod list (seed 000 step 4).

An import runs inside the caller's transaction (``db.begin()``): it all lands or nothing does.
Bulk inserts use large multi-row ``INSERT`` statements on SQLite (the rows prepared in a reader
thread) and ``COPY`` on PostgreSQL: ``store/bulk.py``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    false,
    func,
    insert,
    select,
    update,
)

from eczane.domain.catalog import PrescriptionClass, Product
from eczane.domain.pack import ItsStockRow, PackKey, RowIssue
from eczane.store import tenant
from eczane.store.base import installation_table, metadata, tenant_table
from eczane.store.bulk import bulk_insert, bulk_insert_chunks, bulk_mode

MAX_STORED_ISSUES = 2000

product = Table(
    "product",
    metadata,
    Column("gtin", String(14), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("form", String(100), nullable=False, server_default=""),
    Column("manufacturer", String(200), nullable=False, server_default=""),
    Column("prescription_class", String(10), nullable=True),
    Column("flagged_unknown", Boolean, nullable=False, server_default=false()),
    Column("source", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    info=installation_table(),
)

its_snapshot = Table(
    "its_snapshot",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", Integer, nullable=True),
    Column("source_name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("issue_count", Integer, nullable=False),
    Column("duplicate_count", Integer, nullable=False),
    Column("has_tx_date", Boolean, nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("issues", JSON, nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_its_snapshot"),
    Index("ix_its_snapshot_pharmacy_sha256", "pharmacy_id", "sha256"),
    info=tenant_table(),
)

its_stock_pack = Table(
    "its_stock_pack",
    metadata,
    Column("snapshot_id", Integer, nullable=False),
    Column("pharmacy_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("expiry", Date, nullable=True),
    Column("batch", String(20), nullable=False),
    Column("product_name", String(300), nullable=False),
    Column("last_tx_date", Date, nullable=True),
    Column("row_no", Integer, nullable=False),
    # pharmacy_id last: the packs are read by snapshot (``snapshot_has_key`` on every scan).
    PrimaryKeyConstraint("snapshot_id", "gtin", "serial", "pharmacy_id", name="pk_its_stock_pack"),
    ForeignKeyConstraint(["snapshot_id", "pharmacy_id"],
                         ["its_snapshot.id", "its_snapshot.pharmacy_id"],
                         ondelete="CASCADE", name="fk_its_stock_pack_snapshot_id_its_snapshot"),
    info=tenant_table(),
)

column_mapping = Table(
    "column_mapping",
    metadata,
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False),
    Column("signature", String(64), nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("pharmacy_id", "signature", name="pk_column_mapping"),
    info=tenant_table(),
)

onhand_import = Table(
    "onhand_import",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("pharmacy_id", Integer, ForeignKey("pharmacy.id"), nullable=False, index=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", Integer, nullable=True),
    Column("source_name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("issue_count", Integer, nullable=False),
    Column("issues", JSON, nullable=False),
    PrimaryKeyConstraint("id", "pharmacy_id", name="pk_onhand_import"),
    info=tenant_table(),
)

onhand_pack = Table(
    "onhand_pack",
    metadata,
    Column("import_id", Integer, nullable=False),
    Column("pharmacy_id", Integer, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("serial", String(20), nullable=False),
    Column("expiry", Date, nullable=True),
    Column("batch", String(20), nullable=False),
    PrimaryKeyConstraint("import_id", "gtin", "serial", "pharmacy_id", name="pk_onhand_pack"),
    ForeignKeyConstraint(["import_id", "pharmacy_id"],
                         ["onhand_import.id", "onhand_import.pharmacy_id"],
                         ondelete="CASCADE", name="fk_onhand_pack_import_id_onhand_import"),
    info=tenant_table(),
)

_PACK_COLS = ("snapshot_id", "pharmacy_id", "gtin", "serial", "expiry", "batch", "product_name",
              "last_tx_date", "row_no")


# ---------------------------------------------------------------- results


@dataclass
class ImportSummary:
    """What an import did (also the CLI's ``--json`` output)."""

    kind: str
    """``its_stock`` or ``onhand``."""
    id: int
    source_name: str
    sha256: str
    imported_at: datetime
    row_count: int
    issue_count: int
    duplicate_count: int
    issues: list[RowIssue] = field(default_factory=list)
    already_imported: bool = False
    has_tx_date: bool = False
    unknown_products: int = 0
    mapping: dict[str, Any] = field(default_factory=dict)
    mapping_detected: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def snapshot_id(self) -> int:
        return self.id

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["imported_at"] = self.imported_at.isoformat()
        d["snapshot_id"] = self.id
        return d


def _now() -> datetime:
    return datetime.now(UTC)


def _issues_json(issues: Sequence[RowIssue]) -> list[dict[str, Any]]:
    return [asdict(i) for i in issues[:MAX_STORED_ISSUES]]


def _issues_from_json(data: Any) -> list[RowIssue]:
    return [RowIssue(**d) for d in (data or [])]


# ---------------------------------------------------------------- products


def _row_to_product(r: Any) -> Product:
    pc = PrescriptionClass(r.prescription_class) if r.prescription_class else None
    return Product(r.gtin, r.name, pc, r.form, r.manufacturer)


def get_product(conn: Connection, gtin: str) -> Product | None:
    row = conn.execute(select(product).where(product.c.gtin == gtin)).first()
    return None if row is None else _row_to_product(row)


def get_products(conn: Connection, gtins: Iterable[str]) -> dict[str, Product]:
    wanted = sorted(set(gtins))
    out: dict[str, Product] = {}
    for i in range(0, len(wanted), 500):
        rows = conn.execute(select(product).where(product.c.gtin.in_(wanted[i:i + 500])))
        out.update({r.gtin: _row_to_product(r) for r in rows})
    return out


def is_flagged_unknown(conn: Connection, gtin: str) -> bool:
    """True when the GTIN is unknown to the catalog or only known from İTS (flagged)."""
    row = conn.execute(select(product.c.flagged_unknown).where(product.c.gtin == gtin)).first()
    return row is None or bool(row.flagged_unknown)


def _dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def upsert_products(conn: Connection, products: Iterable[Product], source: str) -> int:
    """Insert or update products from a catalog source; clears ``flagged_unknown``.

    Returns the number of products written.
    """
    now = _now()
    rows = [{"gtin": p.gtin, "name": p.name, "form": p.form, "manufacturer": p.manufacturer,
             "prescription_class": p.prescription_class.value if p.prescription_class else None,
             "flagged_unknown": False, "source": source, "updated_at": now} for p in products]
    for i in range(0, len(rows), 1000):
        stmt = _dialect_insert(conn, product)
        stmt = stmt.on_conflict_do_update(
            index_elements=[product.c.gtin],
            set_={k: stmt.excluded[k] for k in ("name", "form", "manufacturer",
                                                 "prescription_class", "flagged_unknown",
                                                 "source", "updated_at")})
        conn.execute(stmt, rows[i:i + 1000])
    return len(rows)


def add_unknown_products(conn: Connection, names: Mapping[str, str], source: str) -> int:
    """Keep GTINs the catalog does not know (flagged, class unknown); returns how many were new."""
    known = set(get_products(conn, names))
    new = [{"gtin": g, "name": n or "(adı bilinmiyor)", "form": "", "manufacturer": "",
            "prescription_class": None, "flagged_unknown": True, "source": source,
            "updated_at": _now()} for g, n in sorted(names.items()) if g not in known]
    for i in range(0, len(new), 1000):
        stmt = _dialect_insert(conn, product).on_conflict_do_nothing(index_elements=[product.c.gtin])
        conn.execute(stmt, new[i:i + 1000])
    return len(new)


def list_products(conn: Connection, *, flagged_only: bool = False, limit: int = 500) -> list[Any]:
    q = select(product).order_by(product.c.flagged_unknown.desc(), product.c.name).limit(limit)
    if flagged_only:
        q = q.where(product.c.flagged_unknown.is_(True))
    return list(conn.execute(q))


def count_products(conn: Connection) -> tuple[int, int]:
    """(all products, flagged unknown)."""
    total = conn.execute(select(func.count()).select_from(product)).scalar_one()
    flagged = conn.execute(select(func.count()).select_from(product)
                           .where(product.c.flagged_unknown.is_(True))).scalar_one()
    return int(total), int(flagged)


# ---------------------------------------------------------------- İTS snapshots


def latest_snapshot_id(conn: Connection, pharmacy_id: int) -> int | None:
    return conn.execute(
        select(its_snapshot.c.id).where(its_snapshot.c.pharmacy_id == pharmacy_id)
        .order_by(its_snapshot.c.imported_at.desc(), its_snapshot.c.id.desc()).limit(1)
    ).scalar()


def snapshot_has_key(conn: Connection, snapshot_id: int, key: PackKey) -> bool:
    return conn.execute(
        select(its_stock_pack.c.row_no).where(
            its_stock_pack.c.snapshot_id == snapshot_id, its_stock_pack.c.gtin == key.gtin,
            its_stock_pack.c.serial == key.serial)
    ).first() is not None


def snapshot_keys(conn: Connection, snapshot_id: int) -> set[PackKey]:
    rows = conn.execute(select(its_stock_pack.c.gtin, its_stock_pack.c.serial)
                        .where(its_stock_pack.c.snapshot_id == snapshot_id))
    return {PackKey(g, s) for g, s in rows}


def snapshot_rows(conn: Connection, snapshot_id: int) -> Iterator[ItsStockRow]:
    rows = conn.execute(select(its_stock_pack).where(its_stock_pack.c.snapshot_id == snapshot_id)
                        .order_by(its_stock_pack.c.row_no))
    for r in rows:
        yield ItsStockRow(r.gtin, r.serial, r.expiry, r.batch, r.product_name, r.last_tx_date,
                          r.row_no)


def get_snapshot(conn: Connection, snapshot_id: int) -> Any | None:
    """The snapshot row (check ``.pharmacy_id`` against the user before showing it)."""
    return conn.execute(select(its_snapshot).where(its_snapshot.c.id == snapshot_id,
                                                   tenant.scoped(its_snapshot))).first()


def list_snapshots(conn: Connection, pharmacy_id: int, *, limit: int = 20) -> list[Any]:
    return list(conn.execute(
        select(its_snapshot).where(its_snapshot.c.pharmacy_id == pharmacy_id)
        .order_by(its_snapshot.c.imported_at.desc(), its_snapshot.c.id.desc()).limit(limit)))


def snapshot_summary(row: Any, *, already: bool = False) -> ImportSummary:
    return ImportSummary("its_stock", row.id, row.source_name, row.sha256, row.imported_at,
                         row.row_count, row.issue_count, row.duplicate_count,
                         _issues_from_json(row.issues), already, row.has_tx_date,
                         mapping=dict(row.mapping or {}))


def find_snapshot_by_hash(conn: Connection, pharmacy_id: int, sha256: str) -> Any | None:
    return conn.execute(select(its_snapshot).where(
        its_snapshot.c.pharmacy_id == pharmacy_id, its_snapshot.c.sha256 == sha256)
        .order_by(its_snapshot.c.id).limit(1)).first()


def get_mapping(conn: Connection, pharmacy_id: int, signature: str) -> dict[str, Any] | None:
    row = conn.execute(select(column_mapping.c.mapping).where(
        column_mapping.c.pharmacy_id == pharmacy_id, column_mapping.c.signature == signature)).first()
    return None if row is None else dict(row.mapping)


def save_mapping(conn: Connection, pharmacy_id: int, signature: str,
                 mapping: Mapping[str, Any]) -> None:
    stmt = _dialect_insert(conn, column_mapping).values(
        pharmacy_id=pharmacy_id, signature=signature, mapping=dict(mapping), updated_at=_now())
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[column_mapping.c.pharmacy_id, column_mapping.c.signature],
        set_={"mapping": stmt.excluded.mapping, "updated_at": stmt.excluded.updated_at}))


def store_snapshot(conn: Connection, pharmacy_id: int,
                   rows: Iterable[tuple[Any, ...]] | Iterable[list[tuple[Any, ...]]], *,
                   source_name: str, sha256: str, user_id: int | None = None,
                   mapping: Mapping[str, Any] | None = None, has_tx_date: bool = False,
                   progress: Callable[[int], None] | None = None,
                   finish: Callable[[], tuple[list[RowIssue], int, Mapping[str, str]]],
                   imported_at: datetime | None = None, chunked: bool = False) -> ImportSummary:
    """Write one snapshot (the file importer and the demo seeder share this).

    ``rows`` are tuples ``(gtin, serial, expiry, batch, product_name, last_tx_date, row_no)``
    with ISO-text dates, or (``chunked``) lists of such tuples, as the reader yields them. ``finish`` is called once the rows are consumed and returns (issues,
    duplicates, GTIN → product name) — a stream knows its issues only at its end.
    """
    at = imported_at or _now()
    sid = int(conn.execute(insert(its_snapshot).values(
        pharmacy_id=pharmacy_id, imported_at=at, imported_by=user_id, source_name=source_name,
        sha256=sha256, row_count=0, issue_count=0, duplicate_count=0, has_tx_date=has_tx_date,
        mapping=dict(mapping or {}), issues=[])).inserted_primary_key[0])  # type: ignore[index]
    if chunked:
        count = bulk_insert_chunks(conn, its_stock_pack, _PACK_COLS, (sid, pharmacy_id),
                                   rows, progress, key_first=True)  # type: ignore[arg-type]
    else:
        count = bulk_insert(conn, its_stock_pack, _PACK_COLS, (sid, pharmacy_id),
                            rows, progress)  # type: ignore[arg-type]
    issues, dups, names = finish()
    real_issues = [i for i in issues if i.code != "duplicate"]
    conn.execute(update(its_snapshot).where(its_snapshot.c.id == sid).values(
        row_count=count, issue_count=len(real_issues), duplicate_count=dups,
        issues=_issues_json(issues)))
    unknown = add_unknown_products(conn, names, "its")
    from eczane.store.audit import append_event

    append_event(conn, pharmacy_id, user_id, "imports.its_stock", {
        "snapshot_id": sid, "source_name": source_name, "sha256": sha256, "rows": count,
        "issues": len(real_issues), "duplicates": dups, "unknown_products": unknown})
    return ImportSummary("its_stock", sid, source_name, sha256, at, count, len(real_issues), dups,
                         issues, False, has_tx_date, unknown, dict(mapping or {}))


class MostlyBadRows(Exception):
    """An İTS file whose bad rows outnumber its readable ones: nothing was kept; importing it
    anyway needs the pharmacist's confirmation (issue 14 finding 1). Message in Turkish."""

    code = "mostly_bad"

    def __init__(self, name: str, ok: int, bad: int, issues: list[RowIssue]) -> None:
        self.message = (f"'{name}' dosyasının satırlarının çoğu sorunlu: {bad} sorunlu, {ok} "
                        "okunabilen satır. Bu bir İTS stok listesi değilse ya da bozuk indiyse "
                        "İTS'den yeniden indirin; doğru dosyaysa onaylayarak içe aktarın.")
        super().__init__(self.message)
        self.ok, self.bad, self.issues = ok, bad, issues

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its attributes: it crosses a process boundary (``store/offload.py``).
        from eczane.importers.tabular import restore_exception

        return restore_exception, (type(self), self.args, self.__dict__)


@contextmanager
def _as_path(src: Path | str | BinaryIO) -> Iterator[Path]:
    """A path for ``src``; a file object is spooled to a temporary file first."""
    if isinstance(src, (str, Path)):
        yield Path(src)
        return
    name = Path(str(getattr(src, "name", "") or "dosya")).name
    with tempfile.TemporaryDirectory(prefix="eczane-import-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        yield path


def import_its_stock(conn: Connection, pharmacy_id: int, src: Path | str | BinaryIO, *,
                     today: date,
                     user_id: int | None = None, mapping: Mapping[str, Any] | None = None,
                     progress: Callable[[int], None] | None = None,
                     source_name: str | None = None,
                     on_total: Callable[[int], None] | None = None,
                     accept_mostly_bad: bool = False,
                     data_dir: Path | None = None) -> ImportSummary:
    """Import an İTS stock file as a new snapshot (in the caller's transaction).

    With ``data_dir`` the original file is kept under its SHA-256
    (``eczane.store.originals``): the evidence pack of a notification hands it over.

    A file with more bad rows than readable ones is kept only with ``accept_mostly_bad``
    (else ``MostlyBadRows``, nothing kept).

    Recognises a file imported before (same SHA-256): returns that snapshot with
    ``already_imported``. Uses the pharmacy's remembered mapping when the layout is unknown;
    a mapping given here is remembered once the import succeeds.

    ``progress(n)`` is called as rows are stored; ``on_total(rows)`` once the expected row
    count is known (both for a progress bar).

    Raises:
        ImportRefused / MappingNeeded (``eczane.importers``), nothing written.
    """
    with _as_path(src) as path:
        return _import_its_stock(conn, pharmacy_id, path, today=today, user_id=user_id,
                                 mapping=mapping, progress=progress, source_name=source_name,
                                 on_total=on_total, accept_mostly_bad=accept_mostly_bad,
                                 data_dir=data_dir)


def _import_its_stock(conn: Connection, pharmacy_id: int, path: Path, *, today: date,
                      user_id: int | None, mapping: Mapping[str, Any] | None,
                      progress: Callable[[int], None] | None, source_name: str | None,
                      on_total: Callable[[int], None] | None,
                      accept_mostly_bad: bool, data_dir: Path | None = None) -> ImportSummary:
    from eczane.importers.headers import MappingNeeded
    from eczane.importers.its_stock import iter_its_stock
    from eczane.importers.tabular import sha256_file

    digest = sha256_file(path)
    before = find_snapshot_by_hash(conn, pharmacy_id, digest)
    if before is not None:
        if data_dir is not None:  # an import older than the kept originals: keep it now
            from eczane.store.originals import keep_original

            keep_original(data_dir, pharmacy_id, path, digest)
        return snapshot_summary(before, already=True)
    try:
        stream = iter_its_stock(path, today=today, mapping=mapping, text_dates=True,
                                sha256=digest)
    except MappingNeeded as exc:
        saved = get_mapping(conn, pharmacy_id, exc.signature) if not mapping else None
        if saved is None:
            raise
        stream = iter_its_stock(path, today=today, mapping=saved, text_dates=True,
                                sha256=digest)
    if on_total is not None and stream.total_rows is not None:
        on_total(stream.total_rows)
    with conn.begin_nested(), bulk_mode():  # a refusal half-way leaves nothing behind
        summary = store_snapshot(
            conn, pharmacy_id, stream.chunks, chunked=True,
            source_name=source_name or stream.source_name,
            sha256=digest, user_id=user_id, mapping=stream.layout.as_mapping(),
            has_tx_date=stream.has_tx_date, progress=progress,
            finish=lambda: (stream.issues, stream.duplicates, stream.names))
        if summary.issue_count > summary.row_count and not accept_mostly_bad:
            raise MostlyBadRows(summary.source_name, summary.row_count, summary.issue_count,
                                summary.issues[:200])  # the savepoint is rolled back
        if not stream.layout.detected:
            save_mapping(conn, pharmacy_id, stream.layout.signature, stream.layout.as_mapping())
    summary.mapping_detected = stream.layout.detected
    summary.notes = stream.notes
    if data_dir is not None:
        from eczane.store.originals import keep_original

        keep_original(data_dir, pharmacy_id, path, digest)
    return summary


# ---------------------------------------------------------------- on-hand lists


def import_onhand(conn: Connection, pharmacy_id: int, src: Path | str | BinaryIO, *,
                  today: date, user_id: int | None = None,
                  source_name: str | None = None) -> ImportSummary:
    """Import the pharmacy program's karekod list (in the caller's transaction).

    Ambiguous karekods (no GS separator) are resolved against the latest İTS snapshot.
    """
    from eczane.importers.onhand import read_onhand

    sid = latest_snapshot_id(conn, pharmacy_id)

    def known(key: PackKey) -> bool:  # asked only for ambiguous karekods, one query each
        return sid is not None and snapshot_has_key(conn, sid, key)

    with _as_path(src) as path:
        f = read_onhand(path, today=today, known=known)
    at = _now()
    real = [i for i in f.issues if i.code != "duplicate"]
    iid = int(conn.execute(insert(onhand_import).values(
        pharmacy_id=pharmacy_id, imported_at=at, imported_by=user_id,
        source_name=source_name or f.source_name, sha256=f.sha256, row_count=len(f.karekods),
        issue_count=len(real), issues=_issues_json(f.issues))).inserted_primary_key[0])  # type: ignore[index]
    bulk_insert(conn, onhand_pack, ("import_id", "pharmacy_id", "gtin", "serial", "expiry", "batch"),
                 (iid, pharmacy_id),
                 ((k.gtin, k.serial, k.expiry.isoformat(), k.batch) for k in f.karekods), None)
    from eczane.store.audit import append_event

    append_event(conn, pharmacy_id, user_id, "imports.onhand", {
        "import_id": iid, "source_name": source_name or f.source_name, "sha256": f.sha256,
        "rows": len(f.karekods), "issues": len(real), "duplicates": f.duplicates})
    return ImportSummary("onhand", iid, source_name or f.source_name, f.sha256, at,
                         len(f.karekods), len(real), f.duplicates, f.issues, notes=f.notes)


def latest_onhand_id(conn: Connection, pharmacy_id: int) -> int | None:
    return conn.execute(
        select(onhand_import.c.id).where(onhand_import.c.pharmacy_id == pharmacy_id)
        .order_by(onhand_import.c.imported_at.desc(), onhand_import.c.id.desc()).limit(1)
    ).scalar()


def onhand_keys(conn: Connection, import_id: int) -> set[PackKey]:
    rows = conn.execute(select(onhand_pack.c.gtin, onhand_pack.c.serial)
                        .where(onhand_pack.c.import_id == import_id))
    return {PackKey(g, s) for g, s in rows}


def get_onhand_import(conn: Connection, import_id: int) -> Any | None:
    """The import row (check ``.pharmacy_id`` against the user before showing it)."""
    return conn.execute(select(onhand_import).where(onhand_import.c.id == import_id,
                                                    tenant.scoped(onhand_import))).first()


def onhand_summary(row: Any) -> ImportSummary:
    issues = _issues_from_json(row.issues)
    dups = sum(1 for i in issues if i.code == "duplicate")
    return ImportSummary("onhand", row.id, row.source_name, row.sha256, row.imported_at,
                         row.row_count, row.issue_count, dups, issues)


def list_onhand_imports(conn: Connection, pharmacy_id: int, *, limit: int = 20) -> list[Any]:
    return list(conn.execute(
        select(onhand_import).where(onhand_import.c.pharmacy_id == pharmacy_id)
        .order_by(onhand_import.c.imported_at.desc(), onhand_import.c.id.desc()).limit(limit)))


# ---------------------------------------------------------------- demo


def seed_demo_catalog(conn: Connection, pharmacy_id: int, today: date) -> None:
    """Demo seeder: the demo catalog CSV and an İTS snapshot of the demo pharmacy's stock."""
    from eczane import demo_data
    from eczane.importers.catalog import read_catalog

    csv_path = Path(__file__).resolve().parent.parent / "data" / "importers" / "demo_catalog.csv"
    upsert_products(conn, read_catalog(csv_path).products, "demo")
    demo = demo_data.demo_pharmacy(today)
    rows = [(p.gtin, p.serial, p.expiry.isoformat(), p.batch, p.product_name,
             p.last_tx_date.isoformat(), i + 2) for i, p in enumerate(demo.its_packs)]
    names = {p.gtin: p.product_name for p in demo.its_packs}
    digest = hashlib.sha256("\n".join(f"{r[0]};{r[1]}" for r in rows).encode()).hexdigest()
    store_snapshot(conn, pharmacy_id, rows, source_name="demo-its-stok.xlsx", sha256=digest,
                   has_tx_date=True, mapping={"demo": True}, finish=lambda: ([], 0, names))


def _register_demo() -> None:
    from eczane.store.demo import DEMO_SEEDERS

    if seed_demo_catalog not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_demo_catalog)


_register_demo()
