"""Reading a count: the summary and change token the live page polls, product totals, recent,
active and unreadable scans (with a Turkish hint per reading error), user names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, select

from eczane.domain.count import ItsComparison
from eczane.store.count.tables import (
    StoredScan,
    _scan,
    count_scan,
    count_scan_rejected,
    count_session,
)


def summary(conn: Connection, session_id: int) -> dict[str, int]:
    """Packs on hand by group, plus the number of products, of undone and of unreadable scans."""
    rows = conn.execute(
        select(count_scan.c.grp, func.count(), func.count(func.distinct(count_scan.c.gtin)))
        .where(and_(count_scan.c.session_id == session_id, count_scan.c.undone_at.is_(None)))
        .group_by(count_scan.c.grp)).all()
    out = {"raf": 0, "acik_recete": 0}
    for grp, n, _ in rows:
        out[grp] = int(n)
    out["total"] = out["raf"] + out["acik_recete"]
    out["products"] = int(conn.execute(
        select(func.count(func.distinct(count_scan.c.gtin)))
        .where(and_(count_scan.c.session_id == session_id,
                    count_scan.c.undone_at.is_(None)))).scalar_one())
    out["undone"] = int(conn.execute(
        select(func.count()).where(and_(count_scan.c.session_id == session_id,
                                        count_scan.c.undone_at.is_not(None)))).scalar_one())
    out["rejected"] = count_rejected(conn, session_id)
    return out


def version(conn: Connection, session_id: int) -> str:
    """A token that changes whenever a scan is added, rejected or undone, a file import's
    unreadable lines are cleared, or the session changes status."""
    row = conn.execute(
        select(func.max(count_scan.c.id), func.count(count_scan.c.undone_at))
        .where(count_scan.c.session_id == session_id)).one()
    status = conn.execute(select(count_session.c.status)
                          .where(count_session.c.id == session_id)).scalar_one()
    rejected = conn.execute(select(func.max(count_scan_rejected.c.id), func.count())
                            .where(count_scan_rejected.c.session_id == session_id)).one()
    return f"{row[0] or 0}.{row[1] or 0}.{rejected[0] or 0}.{rejected[1]}.{status}"


@dataclass(frozen=True)
class ProductTotal:
    gtin: str
    name: str
    raf: int
    acik_recete: int
    last_id: int

    @property
    def total(self) -> int:
        return self.raf + self.acik_recete


UNKNOWN_PRODUCT = "Bilinmeyen ürün"


def product_names(conn: Connection, gtins: Iterable[str]) -> dict[str, str]:
    """GTIN → catalog product name, or "Bilinmeyen ürün"."""
    from eczane.store.catalog import get_products

    wanted = set(gtins)
    found = get_products(conn, wanted) if wanted else {}
    return {g: found[g].name if g in found else UNKNOWN_PRODUCT for g in wanted}


def totals(conn: Connection, session_id: int, *, limit: int | None = None,
           by_name: bool = False) -> list[ProductTotal]:
    """Packs on hand per product: most recently scanned product first (the live panel), or with
    ``by_name`` in Turkish alphabetical order of product name, then GTIN (lists, exports).

    Names come from the catalog, not the database's collation, so the order is made here
    (``tr_sort_key``); a count has at most a few thousand products.
    """
    q = (select(count_scan.c.gtin, count_scan.c.grp, func.count().label("n"),
                func.max(count_scan.c.id).label("last"))
         .where(and_(count_scan.c.session_id == session_id, count_scan.c.undone_at.is_(None)))
         .group_by(count_scan.c.gtin, count_scan.c.grp))
    acc: dict[str, list[int]] = {}
    for r in conn.execute(q):
        a = acc.setdefault(r.gtin, [0, 0, 0])
        a[0 if r.grp == "raf" else 1] += int(r.n)
        a[2] = max(a[2], int(r.last))
    if by_name:
        from eczane.domain.text import tr_sort_key

        names = product_names(conn, acc)
        order = sorted(acc, key=lambda g: (tr_sort_key(names[g]), g))[:limit]
    else:
        order = sorted(acc, key=lambda g: -acc[g][2])[:limit]
        names = product_names(conn, order)
    return [ProductTotal(g, names[g], acc[g][0], acc[g][1], acc[g][2]) for g in order]


def recent_scans(conn: Connection, session_id: int, *, limit: int = 15) -> list[StoredScan]:
    """The last scans of the session (undone ones too, marked), newest first."""
    rows = conn.execute(select(count_scan).where(count_scan.c.session_id == session_id)
                        .order_by(count_scan.c.id.desc()).limit(limit))
    return [_scan(r) for r in rows]


def active_scans(conn: Connection, session_id: int, *, grp: str | None = None
                 ) -> Iterator[StoredScan]:
    """Every pack on hand in the session (``undone_at IS NULL``), in scan order."""
    q = select(count_scan).where(and_(count_scan.c.session_id == session_id,
                                      count_scan.c.undone_at.is_(None)))
    if grp is not None:
        q = q.where(count_scan.c.grp == grp)
    for r in conn.execute(q.order_by(count_scan.c.id).execution_options(yield_per=2000)):
        yield _scan(r)


@dataclass(frozen=True)
class RejectedScan:
    """An unreadable scan as stored (``count_scan_rejected``)."""

    id: int
    session_id: int
    raw: str
    code: str
    detail: str
    """The karekod engine's error code (check_digit, missing_ai, syntax, …)."""
    message: str
    grp: str
    device_id: str
    client_scan_id: str
    user_id: int
    scanned_at: datetime

    @property
    def hint(self) -> str:
        """What to do about it, in Turkish (scan again, or type the code)."""
        return REJECTED_HINTS.get(self.detail, REJECTED_HINTS[""])

    @property
    def raw_shown(self) -> str:
        """The raw input with control characters made visible (GS as ⟨GS⟩)."""
        return "".join("⟨GS⟩" if ch == "\x1d" else f"⟨{ord(ch):02X}⟩"
                       if ord(ch) < 32 or ord(ch) == 127 else ch for ch in self.raw)


_TYPE_IT = ("Yine okunmazsa karekodun yanındaki yazıyı (01)…(21)…(17)…(10)… biçiminde okutma "
            "kutusuna elle yazıp Enter'a basın.")
REJECTED_HINTS = {
    "": "Kutuyu yeniden okutun (okuyucuyu karekoda düz ve yakın tutun). " + _TYPE_IT,
    "empty": "Okuyucu boş veri gönderdi: kutuyu yeniden okutun.",
    "unsupported_ai": "Bu bir ilaç karekodu değil (başka bir barkod okunmuş olabilir): kutunun "
                      "üzerindeki kare karekodu okutun. " + _TYPE_IT,
    "not_karekod": "Kutunun üzerindeki çizgili barkod okunmuş; yanındaki kare karekodu (2B) "
                   "okutun. " + _TYPE_IT,
    "missing_ai": "Karekod eksik okundu (çizgili barkod ya da yarım okuma olabilir): kutunun "
                  "üzerindeki kare karekodu yeniden okutun. " + _TYPE_IT,
}
"""Hints by karekod engine error code; "" for every other code (a misread: scan again)."""


def _rejected(row: Any) -> RejectedScan:
    return RejectedScan(row.id, row.session_id, row.raw, row.code, row.detail, row.message,
                        row.grp, row.device_id, row.client_scan_id, row.user_id, row.scanned_at)


def rejected_scans(conn: Connection, session_id: int, *, limit: int | None = None
                   ) -> list[RejectedScan]:
    """Unreadable scans of the session, newest first (all devices)."""
    q = (select(count_scan_rejected).where(count_scan_rejected.c.session_id == session_id)
         .order_by(count_scan_rejected.c.id.desc()))
    if limit is not None:
        q = q.limit(limit)
    return [_rejected(r) for r in conn.execute(q)]


def iter_rejected_scans(conn: Connection, session_id: int) -> Iterator[RejectedScan]:
    """Every unreadable scan of the session, oldest first, read from the database in pieces
    (exports: memory stays bounded whatever the count)."""
    q = (select(count_scan_rejected).where(count_scan_rejected.c.session_id == session_id)
         .order_by(count_scan_rejected.c.id).execution_options(yield_per=2000))
    for r in conn.execute(q):
        yield _rejected(r)


def user_names(conn: Connection, pharmacy_id: int) -> dict[int, str]:
    """User id → display name, for the users of a pharmacy."""
    from eczane.store.core import app_user

    return {r.id: r.display_name for r in conn.execute(
        select(app_user.c.id, app_user.c.display_name)
        .where(app_user.c.pharmacy_id == pharmacy_id))}


def count_rejected(conn: Connection, session_id: int) -> int:
    return int(conn.execute(select(func.count()).where(
        count_scan_rejected.c.session_id == session_id)).scalar_one())


ISTANBUL = ZoneInfo("Europe/Istanbul")
"""The pharmacy's clock: whether an İTS list is "today's" is decided on Istanbul's calendar."""


def latest_its_list(conn: Connection, pharmacy_id: int) -> tuple[int, datetime, str] | None:
    """(snapshot id, imported_at in UTC, file name) of the pharmacy's latest İTS stock list."""
    from eczane.store.catalog import its_snapshot

    row = conn.execute(
        select(its_snapshot.c.id, its_snapshot.c.imported_at, its_snapshot.c.source_name)
        .where(its_snapshot.c.pharmacy_id == pharmacy_id)
        .order_by(its_snapshot.c.imported_at.desc(), its_snapshot.c.id.desc()).limit(1)).first()
    return None if row is None else latest_from_row(row)


def latest_from_row(row: Any) -> tuple[int, datetime, str]:
    """(snapshot id, imported_at in UTC, file name) of an ``its_snapshot`` row."""
    at = row.imported_at if row.imported_at.tzinfo else row.imported_at.replace(tzinfo=UTC)
    return int(row.id), at, str(row.source_name)


def its_comparison(latest: tuple[int, datetime, str] | None, today: date) -> ItsComparison:
    """What a count compares with: the latest list, in Istanbul time, against ``today``."""
    if latest is None:
        return ItsComparison(today)
    _id, at, name = latest
    return ItsComparison(today, at.astimezone(ISTANBUL).replace(tzinfo=None), name)


def its_comparison_for(conn: Connection, pharmacy_id: int, today: date) -> ItsComparison:
    """The count page's line about the İTS list (issue 14, finding 6)."""
    return its_comparison(latest_its_list(conn, pharmacy_id), today)
