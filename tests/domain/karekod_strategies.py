"""Hypothesis strategies for karekods and the input forms scanners produce (shared by tests)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from hypothesis import strategies as st

from eczane.domain.gs1 import make_gtin
from eczane.domain.karekod import TURKISH_Q_TO_US, Karekod

CHARSET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
ITS_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
US_TO_TURKISH_Q = {us: tr for tr, us in TURKISH_Q_TO_US.items()}
_HRI_MARKER = re.compile(r"\(\d{2,4}\)")


def _fits_every_form(value: str) -> bool:
    """Values no input form can carry unchanged (documented limits of the textual forms)."""
    low = value.lower()
    return "<gs>" not in low and _HRI_MARKER.search(value) is None


gtins = st.text("0123456789", min_size=13, max_size=13).map(make_gtin)
values_82 = st.text(CHARSET_82, min_size=1, max_size=20).filter(_fits_every_form)
values_its = st.text(ITS_CHARSET, min_size=1, max_size=20)


def expiries(today: date) -> st.SearchStrategy[date]:
    """Dates inside the GS1 century window around ``today`` (GenSpecs §7.12)."""
    return st.dates(today - timedelta(days=365 * 40), today + timedelta(days=365 * 40))


def karekods(today: date, *, its_only: bool = False) -> st.SearchStrategy[Karekod]:
    v = values_its if its_only else values_82
    return st.builds(Karekod, gtins, v, expiries(today), v)


def yymmdd(k: Karekod, *, day_zero: bool) -> str:
    e = k.expiry
    last = calendar.monthrange(e.year, e.month)[1]
    dd = "00" if day_zero and e.day == last else f"{e.day:02d}"
    return f"{e.year % 100:02d}{e.month:02d}{dd}"


def element_string(k: Karekod, order: list[str], sep: str, *, day_zero: bool = False) -> str:
    """Fields in ``order``; ``sep`` after every variable field that is not last."""
    parts = []
    for i, ai in enumerate(order):
        value = {"01": k.gtin, "21": k.serial, "17": yymmdd(k, day_zero=day_zero), "10": k.batch}[
            ai
        ]
        parts.append(ai + value)
        if ai in ("21", "10") and i < len(order) - 1:
            parts.append(sep)
    return "".join(parts)


def hri(k: Karekod, order: list[str], *, spaced: bool) -> str:
    values = {"01": k.gtin, "21": k.serial, "17": yymmdd(k, day_zero=False), "10": k.batch}
    joiner = " " if spaced else ""
    return joiner.join(f"({ai}){values[ai]}" for ai in order)


def typed_on_turkish_q(us_text: str) -> str:
    """What a PC set to Turkish-Q receives when a US-layout scanner types ``us_text``."""
    return "".join(US_TO_TURKISH_Q.get(ch, ch) for ch in us_text)


orders = st.permutations(["01", "21", "17", "10"])
