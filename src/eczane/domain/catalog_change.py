"""What a catalog change would do, product by product, before anything is written.

A catalog import (or the restore of the previous catalog version) is shown as a plan first:
products added, changed field by field, and removed; which of them lose a colour prescription
class (a *downgrade*: seed 000 excludes colour-prescription drugs from the 75 stok eşitleme
deactivation, so a red/green/orange/purple product that becomes normal may be deactivated, and
one that becomes unknown silently drops out of the list) and which lose any other value. The
plan says when the pharmacist must confirm explicitly, and its ``digest`` binds a confirmation
to exactly the change that was shown (issue 14 finding 1).

    >>> red = Product("08699536080062", "MORFİN", PrescriptionClass.RED)
    >>> p = plan([(red, Product(red.gtin, "MORFİN", PrescriptionClass.NORMAL))], rows_ok=1, rows_bad=0)
    >>> [c.gtin for c in p.downgraded], p.needs_confirmation
    (['08699536080062'], True)
    >>> p.reasons[0]
    '1 ürün renkli reçeteden normal reçeteye geçiyor: bu ürünlerin kutuları stok eşitlemede deaktive edilebilir hâle gelir.'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from eczane.domain.catalog import PrescriptionClass, Product

FIELDS = ("name", "form", "manufacturer", "prescription_class")
"""The fields of a product a catalog file sets (``gtin`` is the key)."""

FIELD_LABELS_TR = {"name": "Ürün adı", "form": "Form", "manufacturer": "Firma",
                   "prescription_class": "Reçete türü"}


def _value(p: Product | None, fld: str) -> str:
    if p is None:
        return ""
    v = getattr(p, fld)
    if isinstance(v, PrescriptionClass):
        return v.value
    return "" if v is None else str(v)


def value_tr(fld: str, value: str) -> str:
    """A field's value as the pharmacist reads it.

    >>> value_tr("prescription_class", "purple"), value_tr("prescription_class", ""), value_tr("form", "")
    ('Mor reçete', 'bilinmiyor', '(boş)')
    """
    if fld == "prescription_class":
        return PrescriptionClass(value).label_tr if value else "bilinmiyor"
    return value or "(boş)"


@dataclass(frozen=True)
class FieldChange:
    """One field of one product, before and after (``""``: empty, for a class: unknown)."""

    field: str
    before: str
    after: str

    @property
    def label_tr(self) -> str:
        return FIELD_LABELS_TR[self.field]

    @property
    def before_tr(self) -> str:
        return value_tr(self.field, self.before)

    @property
    def after_tr(self) -> str:
        return value_tr(self.field, self.after)


@dataclass(frozen=True)
class ProductChange:
    """A product the change adds, changes or removes."""

    gtin: str
    name: str
    kind: str
    """``added``, ``changed`` or ``removed`` (removed: the catalog no longer knows it)."""
    fields: tuple[FieldChange, ...]

    def _class(self) -> FieldChange | None:
        return next((f for f in self.fields if f.field == "prescription_class"), None)

    @property
    def downgrade(self) -> str:
        """``normal`` or ``unknown`` when a colour class is lost, else ``""``."""
        c = self._class()
        if c is None or not c.before or not PrescriptionClass(c.before).is_colour:
            return ""
        if not c.after:
            return "unknown"
        return "normal" if not PrescriptionClass(c.after).is_colour else ""

    @property
    def shown_fields(self) -> tuple[FieldChange, ...]:
        """The rows a preview lists: every changed field; for a removed product only what it
        loses that matters (its class, else its name)."""
        if self.kind != "removed":
            return self.fields
        cls = self._class()
        return (cls,) if cls is not None else self.fields[:1]

    def after_tr(self, fld: str) -> str:
        """A field's value after the change as the pharmacist reads it (an added product's
        empty fields are not in ``fields``)."""
        return value_tr(fld, next((f.after for f in self.fields if f.field == fld), ""))

    @property
    def clears(self) -> bool:
        """A field that had a value becomes empty (a class becomes unknown)."""
        return any(f.before and not f.after for f in self.fields)


@dataclass(frozen=True)
class CatalogPlan:
    """Every product the change touches, and the file's row counts."""

    changes: tuple[ProductChange, ...]
    unchanged: int = 0
    rows_ok: int = 0
    rows_bad: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def _of(self, kind: str) -> list[ProductChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def added(self) -> list[ProductChange]:
        return self._of("added")

    @property
    def changed(self) -> list[ProductChange]:
        return self._of("changed")

    @property
    def removed(self) -> list[ProductChange]:
        return self._of("removed")

    @property
    def downgraded(self) -> list[ProductChange]:
        return [c for c in self.changes if c.downgrade]

    @property
    def cleared(self) -> list[ProductChange]:
        """Products that lose a value, other than the downgrades (listed on their own)."""
        return [c for c in self.changes if c.clears and not c.downgrade]

    @property
    def mostly_bad(self) -> bool:
        return self.rows_bad > self.rows_ok

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.downgraded or self.cleared or self.mostly_bad)

    @property
    def reasons(self) -> list[str]:
        """Why an explicit confirmation is asked, one Turkish sentence each."""
        out = []
        to_normal = sum(1 for c in self.downgraded if c.downgrade == "normal")
        to_unknown = sum(1 for c in self.downgraded if c.downgrade == "unknown")
        if to_normal:
            out.append(f"{to_normal} ürün renkli reçeteden normal reçeteye geçiyor: bu ürünlerin "
                       "kutuları stok eşitlemede deaktive edilebilir hâle gelir.")
        if to_unknown:
            out.append(f"{to_unknown} ürünün renkli reçete türü siliniyor (bilinmiyor olacak).")
        if self.cleared:
            out.append(f"{len(self.cleared)} üründe dolu bir bilgi siliniyor (reçete türü, form "
                       "ya da firma).")
        if self.mostly_bad:
            out.append(f"Satırların çoğu sorunlu: {self.rows_bad} sorunlu, {self.rows_ok} "
                       "okunabilen satır. Doğru dosyayı seçtiğinizden emin olun.")
        return out

    @property
    def digest(self) -> str:
        """Names exactly this change: a confirmation carries it, and a different file or a
        catalog changed in between gives another digest."""
        body = [[c.gtin, c.kind, [[f.field, f.before, f.after] for f in c.fields]]
                for c in sorted(self.changes, key=lambda c: c.gtin)]
        text = json.dumps([body, self.rows_ok, self.rows_bad], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def merge(current: Product | None, incoming: Product, columns: Iterable[str]) -> Product:
    """The product after an import: the file's value for each field it has a column for, the
    catalog's value for the others (a file without a class column keeps every class).

    >>> cur = Product("08699536080062", "MORFİN", PrescriptionClass.RED, "AMPUL", "X")
    >>> merge(cur, Product(cur.gtin, "MORFİN 10", None), {"gtin", "name"}).prescription_class
    <PrescriptionClass.RED: 'red'>
    """
    if current is None:
        return incoming
    cols = set(columns)
    kept = {f: getattr(current, f) for f in FIELDS if f not in cols}
    return replace(incoming, **kept)


def diff(before: Product | None, after: Product | None) -> ProductChange | None:
    """What changes for one GTIN (``None``: nothing). ``None`` on a side: not in the catalog."""
    if before is None and after is None:
        return None
    gtin = (after or before).gtin  # type: ignore[union-attr]
    name = (after or before).name  # type: ignore[union-attr]
    fields = tuple(FieldChange(f, _value(before, f), _value(after, f)) for f in FIELDS
                   if _value(before, f) != _value(after, f))
    if not fields:
        return None
    kind = "added" if before is None else "removed" if after is None else "changed"
    return ProductChange(gtin, name, kind, fields)


def plan(pairs: Iterable[tuple[Product | None, Product | None]], *, rows_ok: int, rows_bad: int,
         notes: Iterable[str] = ()) -> CatalogPlan:
    """The plan of (before, after) pairs, one per GTIN the change touches."""
    changes: list[ProductChange] = []
    unchanged = 0
    for before, after in pairs:
        c = diff(before, after)
        if c is None:
            unchanged += 1
        else:
            changes.append(c)
    changes.sort(key=lambda c: (not c.downgrade, c.kind, c.name, c.gtin))
    return CatalogPlan(tuple(changes), unchanged, rows_ok, rows_bad, tuple(notes))
