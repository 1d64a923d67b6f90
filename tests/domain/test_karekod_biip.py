"""biip (jodal/biip, a GS1 parser) as an oracle: where biip reads a drug-pack karekod, we agree.

biip reads separator-bearing element strings (GS, optional symbology identifier). Inputs are
generated packs in every field order, then mutated (a character replaced, dropped, doubled) so
that both parsers also see broken input. Where biip succeeds with exactly AIs 01, 21, 17, 10 and a
valid GTIN, our parser must give the same four fields; if ours is ``ambiguous`` (a separator was
dropped), biip's greedy reading must be one of our candidates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import biip
from hypothesis import given, settings
from hypothesis import strategies as st

from eczane.domain.karekod import GS, Karekod, parse_karekod
from tests.domain.karekod_strategies import CHARSET_82, element_string, karekods, orders

# biip's century window uses the real clock (GenSpecs §7.12), so ours must too in this test
TODAY = datetime.now(tz=UTC).date()


def biip_reading(text: str) -> Karekod | None:
    result = biip.parse(text)
    message = result.gs1_message
    if message is None:
        return None
    elements = message.element_strings
    ais = [e.ai.ai for e in elements]
    if sorted(ais) != ["01", "10", "17", "21"]:
        return None
    by_ai = {e.ai.ai: e for e in elements}
    if by_ai["01"].gtin_error is not None or by_ai["17"].date is None:
        return None
    return Karekod(by_ai["01"].value, by_ai["21"].value, by_ai["17"].date, by_ai["10"].value)


def agree(text: str) -> bool:
    expected = biip_reading(text)
    if expected is None:
        return False
    result = parse_karekod(text, today=TODAY)
    if result.error is not None and result.error.code == "ambiguous":
        assert expected in result.error.candidates, (text, expected, result)
    else:
        assert result.value == expected, (text, expected, result)
    return True


@settings(max_examples=300, deadline=None)
@given(karekods(TODAY), orders, st.sampled_from(["", "]d2", "]C1"]), st.booleans())
def test_we_read_what_biip_reads_from_valid_element_strings(
    k: Karekod, order: list[str], prefix: str, day_zero: bool
) -> None:
    text = prefix + element_string(k, order, GS, day_zero=day_zero)
    assert agree(text)


mutation_chars = st.sampled_from(CHARSET_82 + GS + " #")


@settings(max_examples=400, deadline=None)
@given(
    karekods(TODAY),
    orders,
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "drop", "insert"]), st.integers(0, 80), mutation_chars
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_we_agree_with_biip_on_mutated_input_wherever_biip_succeeds(
    k: Karekod, order: list[str], mutations: list[tuple[str, int, str]]
) -> None:
    text = element_string(k, order, GS)
    for kind, at, ch in mutations:
        at %= len(text) + 1
        if kind == "replace":
            text = text[:at] + ch + text[at + 1 :]
        elif kind == "drop":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + ch + text[at:]
    if GS in text:
        agree(text)


def test_the_oracle_is_not_vacuous() -> None:
    # its.md §6 example (itstools); biip and we read the same four fields
    assert agree("01086995041200112114078876651\x1d1712123110K0016")
    assert biip_reading("01086995041200122114078876651\x1d1712123110K0016") is None
    assert isinstance(TODAY, date)
