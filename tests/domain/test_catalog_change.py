"""The plan of a catalog change: added / changed / removed, per field, downgrades and cleared
values, when an explicit confirmation is needed, and a digest that names the change."""

from __future__ import annotations

import pytest

from eczane.domain.catalog import PrescriptionClass as PC
from eczane.domain.catalog import Product
from eczane.domain.catalog_change import diff, merge, plan, value_tr

G = "08699536080017"


def p(cls: PC | None, name: str = "X", form: str = "", man: str = "") -> Product:
    return Product(G, name, cls, form, man)


# (before class, after class, downgrade): seed 000 excludes colour classes from the 75
# deactivation; losing one (to normal: may be deactivated; to unknown: drops out) is a downgrade.
@pytest.mark.parametrize(("before", "after", "down"), [
    (PC.RED, PC.NORMAL, "normal"),        # issue 14: a wrong class column
    (PC.PURPLE, None, "unknown"),          # issue 14: the İTS list read as a catalog
    (PC.GREEN, PC.ORANGE, ""),             # colour to colour: still excluded
    (PC.NORMAL, PC.RED, ""),               # an upgrade
    (None, PC.NORMAL, ""),
])
def test_a_lost_colour_class_is_a_downgrade(before, after, down):
    c = diff(p(before), p(after))
    assert c is not None and c.kind == "changed" and c.downgrade == down


def test_unchanged_products_are_counted_and_nothing_needs_confirmation():
    pl = plan([(p(PC.RED), p(PC.RED)), (None, p(PC.NORMAL))], rows_ok=2, rows_bad=0)
    assert pl.unchanged == 1 and [c.kind for c in pl.changes] == ["added"]
    assert not pl.needs_confirmation and pl.reasons == []
    added = pl.added[0]
    assert (added.after_tr("prescription_class"), added.after_tr("form")) == ("Normal (beyaz)", "(boş)")


def test_a_cleared_value_and_a_removed_product_need_confirmation():
    pl = plan([(p(PC.NORMAL, form="TABLET"), p(PC.NORMAL)), (p(PC.RED), None)],
              rows_ok=1, rows_bad=0)
    assert [c.kind for c in pl.changes] == ["removed", "changed"]  # downgrades first
    assert pl.removed[0].downgrade == "unknown" and len(pl.cleared) == 1
    assert [f.field for f in pl.removed[0].shown_fields] == ["prescription_class"]
    assert [f.field for f in diff(p(None, "Y"), None).shown_fields] == ["name"]
    assert pl.cleared[0].shown_fields == pl.cleared[0].fields
    assert pl.needs_confirmation
    assert pl.reasons == ["1 ürünün renkli reçete türü siliniyor (bilinmiyor olacak).",
                          "1 üründe dolu bir bilgi siliniyor (reçete türü, form ya da firma)."]
    f = pl.cleared[0].fields[0]
    assert (f.label_tr, f.before_tr, f.after_tr) == ("Form", "TABLET", "(boş)")


def test_a_mostly_bad_file_needs_confirmation():
    pl = plan([(None, p(PC.NORMAL))], rows_ok=1, rows_bad=2)
    assert pl.mostly_bad and pl.needs_confirmation
    assert pl.reasons == ["Satırların çoğu sorunlu: 2 sorunlu, 1 okunabilen satır. Doğru "
                          "dosyayı seçtiğinizden emin olun."]
    assert not plan([(None, p(PC.NORMAL))], rows_ok=1, rows_bad=1).mostly_bad


def test_the_digest_changes_with_the_change_and_not_with_the_order():
    a = plan([(p(PC.RED), p(PC.NORMAL)), (None, Product("08699536080024", "Y", None))],
             rows_ok=2, rows_bad=0)
    b = plan([(None, Product("08699536080024", "Y", None)), (p(PC.RED), p(PC.NORMAL))],
             rows_ok=2, rows_bad=0)
    c = plan([(p(PC.RED), p(PC.GREEN))], rows_ok=2, rows_bad=0)
    assert a.digest == b.digest != c.digest


def test_a_field_without_a_column_keeps_the_catalog_value():
    cur = p(PC.PURPLE, "FAKTÖR", "FLAKON", "ABC")
    new = Product(G, "FAKTÖR VIII", None, "", "")
    assert merge(cur, new, {"gtin", "name"}) == Product(G, "FAKTÖR VIII", PC.PURPLE, "FLAKON", "ABC")
    assert merge(cur, new, {"gtin", "name", "prescription_class"}).prescription_class is None
    assert merge(None, new, {"gtin"}) == new


def test_nothing_to_diff_and_values_in_turkish():
    assert diff(None, None) is None and diff(p(PC.RED), p(PC.RED)) is None
    assert value_tr("name", "A") == "A" and value_tr("prescription_class", "red") == "Kırmızı reçete"
    assert plan([], rows_ok=0, rows_bad=0).added == []
