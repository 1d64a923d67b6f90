"""Where a separator is present, fields end at it (issue 14, "A malformed karekod must never
become a pack"; GS1 General Specifications §7.8.5: a variable-length field is ended by FNC1,
sent by scanners as GS, or by the end of the symbol).

Splits are enumerated only for inputs with no separator at all; an input that carries one is
read strictly, so a serial that happens to hold "10…" before its GS is never cut into a shorter
serial plus a batch (a wrong serial makes the real pack look absent: a deactivation candidate).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eczane.domain.karekod import _TEXT_SEPARATORS, GS, Karekod, parse_karekod
from tests.domain.karekod_strategies import CHARSET_82, gtins, karekods, yymmdd

TODAY = date(2026, 11, 23)
GTIN = "08699504120011"


@pytest.mark.parametrize("sep", [GS, "<GS>", "{GS}", "[GS]", "|"])
def test_a_serial_holding_10_before_its_separator_without_an_ai_10_is_missing_ai(sep: str) -> None:
    # the walk's case: GS after the serial, no AI 10 at all, "10" + more inside the serial
    text = f"01{GTIN}21ABC10XYZ{sep}17121231"
    result = parse_karekod(text, today=TODAY)
    assert result.value is None
    assert result.error is not None
    assert result.error.code == "missing_ai"
    assert result.error.message == "Karekodda eksik alan: (10) parti no."


def test_the_same_serial_with_its_batch_reads_as_the_whole_serial() -> None:
    result = parse_karekod(f"]d201{GTIN}21ABC10XYZ{GS}1712123110K0016\r\n", today=TODAY)
    assert result.value == Karekod(GTIN, "ABC10XYZ", date(2012, 12, 31), "K0016")
    assert result.warnings == ()


def test_a_serial_holding_17_and_a_date_before_its_gs_is_not_split_either() -> None:
    text = f"01{GTIN}10K0016{GS}21A1712123199"
    result = parse_karekod(text, today=TODAY)
    assert result.error is not None and result.error.code == "missing_ai"
    assert result.error.message == "Karekodda eksik alan: (17) SKT."


def test_without_any_separator_the_split_is_still_found() -> None:
    # the no-separator enumeration is unchanged: the only valid reading, with a warning
    result = parse_karekod(f"01{GTIN}21ABC10XYZ1712123110K0016", today=TODAY)
    assert result.value == Karekod(GTIN, "ABC10XYZ", date(2012, 12, 31), "K0016")
    assert [w.code for w in result.warnings] == ["no_separator"]


# ------------------------------------------------------------------ properties


def _segments_end_with(text: str, piece: str) -> bool:
    """Whether ``piece`` ends at a GS or at the end of ``text`` (a GS-delimited segment). The
    textual separators the parser also takes for GS (``<gs>``, ``|``…) end a segment too: a
    serial drawn as ``10<gs>`` is read as ``10`` and a separator (found by hypothesis)."""
    for sep in _TEXT_SEPARATORS:
        text = text.replace(sep, GS)
    return any(seg.endswith(piece) for seg in text.split(GS))


@st.composite
def separator_bearing(draw: st.DrawFn) -> tuple[str, Karekod, bool]:
    """A pack written with some fields (1–4, any order), a GS after some variable fields and
    at least one GS between two fields. Returns the text, the pack and whether it is well formed
    (all four fields, every variable field that is not last followed by GS)."""
    k = draw(karekods(TODAY))
    fields = draw(st.lists(st.sampled_from(["01", "21", "17", "10"]), min_size=2, max_size=4,
                           unique=True))
    gs_after = [draw(st.booleans()) for _ in fields[:-1]]
    if not any(gs_after):
        gs_after[draw(st.integers(0, len(gs_after) - 1))] = True
    parts: list[str] = []
    for i, ai in enumerate(fields):
        value = {"01": k.gtin, "21": k.serial, "17": yymmdd(k, day_zero=False), "10": k.batch}[ai]
        parts.append(ai + value)
        if i < len(gs_after) and gs_after[i]:
            parts.append(GS)
    well_formed = len(fields) == 4 and all(
        gs_after[i] for i, ai in enumerate(fields[:-1]) if ai in ("21", "10"))
    return "".join(parts), k, well_formed


@settings(max_examples=400, deadline=None)
@given(separator_bearing(), st.sampled_from(["", "]d2", GS, "]d2" + GS]),
       st.sampled_from(["", "\r\n", GS]))
def test_a_separator_bearing_input_is_a_pack_only_when_every_variable_field_ends_at_a_gs(
    case: tuple[str, Karekod, bool], prefix: str, suffix: str
) -> None:
    text, k, well_formed = case
    result = parse_karekod(prefix + text + suffix, today=TODAY)
    if well_formed:
        assert result.value == k
        assert result.warnings == () or [w.code for w in result.warnings] == ["its_charset"] * len(
            result.warnings)
    else:
        assert result.value is None
    if result.error is not None:
        assert result.error.code != "ambiguous"
        assert result.error.candidates == ()


_short = st.text(CHARSET_82, min_size=0, max_size=5)
_ai_like = st.sampled_from(["10", "1010", "17121231", "1726013110", "21", "17", "01"])
tricky_values = st.builds(lambda a, ai, b: (a + ai + b)[:20], _short, _ai_like, _short).filter(
    lambda v: v != "")
"""Serial/batch values that hide AI-like digits ("10…", "17" + a date…): the splits an
enumeration could wrongly find."""


@st.composite
def tricky_inputs(draw: st.DrawFn) -> str:
    """Some of a pack's fields (any order, any subset of 1–4) with tricky serial/batch values,
    a GS after some fields and at least one GS between two fields."""
    gtin = draw(gtins)
    values = {"01": gtin, "21": draw(tricky_values), "17": draw(st.sampled_from(
        ["121231", "260100", "301130"])), "10": draw(tricky_values)}
    fields = draw(st.lists(st.sampled_from(["01", "21", "17", "10"]), min_size=2, max_size=4,
                           unique=True))
    gs_after = [draw(st.booleans()) for _ in fields[:-1]]
    if not any(gs_after):
        gs_after[draw(st.integers(0, len(gs_after) - 1))] = True
    return "".join(ai + values[ai] + (GS if i < len(gs_after) and gs_after[i] else "")
                   for i, ai in enumerate(fields))


@settings(max_examples=600, deadline=None)
@given(tricky_inputs())
def test_no_reading_of_a_separator_bearing_input_ends_a_variable_field_elsewhere(
    text: str,
) -> None:
    result = parse_karekod(text, today=TODAY)
    readings = [result.value] if result.value is not None else []
    if result.error is not None:
        readings += list(result.error.candidates)
    for r in readings:
        assert _segments_end_with(text, "21" + r.serial), (text, r)
        assert _segments_end_with(text, "10" + r.batch), (text, r)
    assert result.error is None or result.error.code != "ambiguous"
    assert all(w.code != "no_separator" for w in result.warnings)


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.builds(lambda k, order: "".join(
        ai + {"01": k.gtin, "21": k.serial, "17": yymmdd(k, day_zero=False), "10": k.batch}[ai]
        for ai in order), karekods(TODAY), st.permutations(["01", "21", "17", "10"])),
    st.builds(lambda g, a, b, d: f"01{g}21{a}17{d}10{b}", gtins, tricky_values, tricky_values,
              st.sampled_from(["121231", "260100", "301130", "991399"])),
    st.text("0127", min_size=20, max_size=60),
))
def test_the_pruned_search_finds_exactly_what_the_full_search_finds(text: str) -> None:
    # _enumerate looks for readings with a length bound first; the full walk is the reference
    from eczane.domain.karekod import _enumerate, _walk_all

    assert _enumerate(text, TODAY) == _walk_all(text, TODAY, track=True)
