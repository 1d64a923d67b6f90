"""Round trips: generate packs, write them in every input form, parse them back."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from eczane.domain.karekod import GS, Karekod, parse_karekod, resolve_ambiguous
from tests.domain.karekod_strategies import (
    element_string,
    hri,
    karekods,
    orders,
    typed_on_turkish_q,
)

TODAY = date(2026, 11, 23)
PREFIXES = ["", "]d2", "]C1", "]Q3", GS, "]d2" + GS]
SUFFIXES = ["", "\r\n", "\n", "  ", "\r", GS]
SEPARATORS = [GS, "<GS>", "{GS}", "[GS]", "|"]


@settings(max_examples=300, deadline=None)
@given(
    karekods(TODAY),
    orders,
    st.sampled_from(PREFIXES),
    st.sampled_from(SUFFIXES),
    st.sampled_from(SEPARATORS),
    st.booleans(),
)
def test_separator_bearing_forms_parse_back_to_the_same_pack(
    k: Karekod, order: list[str], prefix: str, suffix: str, sep: str, day_zero: bool
) -> None:
    text = prefix + element_string(k, order, sep, day_zero=day_zero) + suffix
    assert parse_karekod(text, today=TODAY).value == k


@settings(max_examples=200, deadline=None)
@given(karekods(TODAY), orders, st.booleans())
def test_the_human_readable_form_parses_back_to_the_same_pack(
    k: Karekod, order: list[str], spaced: bool
) -> None:
    assert parse_karekod(hri(k, order, spaced=spaced), today=TODAY).value == k


@settings(max_examples=200, deadline=None)
@given(
    karekods(TODAY), st.sampled_from(["]d2", "]C1"]), st.sampled_from(["[GS]", "{GS}", "<GS>", "|"])
)
def test_a_us_scanner_typing_into_turkish_q_parses_back_to_the_same_pack(
    k: Karekod, prefix: str, sep: str
) -> None:
    typed = typed_on_turkish_q(prefix + k.element_string(sep) + "\r\n")
    result = parse_karekod(typed, today=TODAY)
    assert result.value == k
    assert result.warnings[0].code == "keyboard_layout"


@settings(max_examples=300, deadline=None)
@given(karekods(TODAY), orders)
def test_without_separators_the_pack_is_the_reading_or_one_of_the_candidates(
    k: Karekod, order: list[str]
) -> None:
    text = element_string(k, order, "")
    result = parse_karekod(text, today=TODAY)
    if result.value is not None:
        assert result.value == k
    else:
        assert result.error is not None
        assert result.error.code == "ambiguous"
        assert k in result.error.candidates
        assert len(set(result.error.candidates)) == len(result.error.candidates)
        assert resolve_ambiguous(result, {k.key}).value == k
    assert parse_karekod(text, today=TODAY, known={k.key}).value == k


@settings(max_examples=200, deadline=None)
@given(karekods(TODAY))
def test_formatting_round_trips(k: Karekod) -> None:
    for text in (k.element_string(), k.element_string("|"), k.hri()):
        assert parse_karekod(text, today=TODAY).value == k
