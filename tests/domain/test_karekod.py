"""The karekod engine: input forms, error codes and their Turkish messages."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.karekod import (
    CODES,
    GS,
    Karekod,
    KarekodError,
    KarekodResult,
    parse_karekod,
    resolve_ambiguous,
)
from eczane.domain.pack import PackKey

TODAY = date(2026, 11, 23)

# its.md §6, example from itstools.biz.tr "Karekodun Anatomisi"
ITSTOOLS = Karekod("08699504120011", "14078876651", date(2012, 12, 31), "K0016")
# its.md §6, example from the ATK itsParser.js comment
ATK = Karekod("08698978090035", "H2200000425677", date(2027, 11, 30), "24005B73")


def ok(text: str, **kw: object) -> Karekod:
    result = parse_karekod(text, today=TODAY, **kw)  # type: ignore[arg-type]
    assert result.error is None, result.error
    assert result.value is not None
    return result.value


def err(text: str) -> KarekodError:
    result = parse_karekod(text, today=TODAY)
    assert result.value is None, result.value
    assert result.error is not None
    return result.error


@pytest.mark.parametrize(
    "text",
    [
        # GS1 GenSpecs §7.8.5: GS after the variable-length serial
        "01086995041200112114078876651\x1d1712123110K0016",
        # symbology identifiers (ISO/IEC 15424): GS1 DataMatrix, GS1-128, GS1 QR
        "]d201086995041200112114078876651\x1d1712123110K0016",
        "]C101086995041200112114078876651\x1d1712123110K0016",
        "]Q301086995041200112114078876651\x1d1712123110K0016",
        # ZXing output starts with FNC1 as GS (its.md §6)
        "\x1d01086995041200112114078876651\x1d1712123110K0016",
        "]d2\x1d01086995041200112114078876651\x1d1712123110K0016\r\n",
        # keyboard-wedge trailers
        "01086995041200112114078876651\x1d1712123110K0016  \n",
        # GS after every field and at the end (some scanners)
        "0108699504120011\x1d2114078876651\x1d171212314\x1d10K0016\x1d".replace("314", "31"),
        # textual separators scanners are configured to send instead of GS
        "01086995041200112114078876651<GS>1712123110K0016",
        "01086995041200112114078876651{GS}1712123110K0016",
        "01086995041200112114078876651[GS]1712123110K0016",
        "01086995041200112114078876651|1712123110K0016",
        "01086995041200112114078876651<gs>1712123110K0016",
        # human-readable interpretation, with and without spaces
        "(01)08699504120011(21)14078876651(17)121231(10)K0016",
        "(01) 08699504120011 (21) 14078876651 (17) 121231 (10) K0016",
        # no separator: the only valid split (its.md §6)
        "010869950412001121140788766511712123110K0016",
        # other field order: some Sanovel lots print 01-10-17-21 (its.md §6)
        "0108699504120011" "10K0016\x1d" "17121231" "2114078876651",
        "01086995041200111712123110K0016\x1d2114078876651",
    ],
)
def test_it_reads_every_input_form_of_the_same_pack(text: str) -> None:
    assert ok(text) == ITSTOOLS


def test_it_reads_the_atk_example_without_separators() -> None:
    assert ok("010869897809003521H2200000425677172711301024005B73") == ATK


@pytest.mark.parametrize(
    "text",
    [
        # Turkish-Q PC, US-layout scanner: ] arrives as ü (Microsoft KBDTUQ)
        "üd201086995041200112114078876651\x1d1712123110K0016",
        # [GS] arrives as ğGSü, {GS} as ĞGSÜ, <GS> as ÖGSÇ, | as ; (KBDTUQ)
        "01086995041200112114078876651ğGSü1712123110K0016",
        "01086995041200112114078876651ĞGSÜ1712123110K0016",
        "01086995041200112114078876651ÖGSÇ1712123110K0016",
        "üd201086995041200112114078876651;1712123110K0016",
        # HRI: ( arrives as ), ) as = (shifted 9 and 0 on KBDTUQ); a ü proves the layout
        "üd2)01=08699504120011)21=14078876651)17=121231)10=K0016",
    ],
)
def test_it_undoes_a_turkish_q_keyboard_layout(text: str) -> None:
    result = parse_karekod(text, today=TODAY)
    assert result.value == ITSTOOLS
    assert [w.code for w in result.warnings] == ["keyboard_layout"]


def test_it_reads_a_lowercase_i_typed_as_dotless_i() -> None:
    # US 'i' key gives 'ı' on KBDTUQ; serial 'ABi9' is valid GS1 charset 82
    result = parse_karekod("]d2010869950412001121ABı9\x1d1712123110K0016", today=TODAY)
    assert result.value is not None
    assert result.value.serial == "ABi9"
    assert {w.code for w in result.warnings} == {"keyboard_layout", "its_charset"}


def test_day_zero_means_the_last_day_of_the_month() -> None:
    # GenSpecs §3.4.7; its.md §6 (canereryol/karekod-parser gunBilgisiSifirKarekod)
    assert ok("01086995041200112114078876651\x1d1702020010K0016").expiry == date(2002, 2, 28)
    assert ok("01086995041200112114078876651\x1d1704020010K0016").expiry == date(2004, 2, 29)


@pytest.mark.parametrize(
    ("yy", "today", "year"),
    [
        # GenSpecs §7.12: 51..99 years ahead → previous century; −99..−50 → next century
        ("76", date(2026, 1, 1), 2076),
        ("77", date(2026, 1, 1), 1977),
        ("00", date(2026, 1, 1), 2000),
        ("50", date(2099, 1, 1), 2050),
        ("49", date(2099, 1, 1), 2149),
        ("48", date(2099, 1, 1), 2148),
        ("99", date(2049, 6, 1), 2099),
        ("99", date(2048, 6, 1), 1999),
    ],
)
def test_the_century_follows_the_gs1_sliding_window(yy: str, today: date, year: int) -> None:
    text = f"01086995041200112114078876651\x1d17{yy}063010K0016"
    result = parse_karekod(text, today=today)
    assert result.value is not None
    assert result.value.expiry == date(year, 6, 30)


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("", "empty", "Karekod boş: okutulan veri yok."),
        (" \r\n", "empty", "Karekod boş: okutulan veri yok."),
        ("]d2\x1d", "empty", "Karekod boş: okutulan veri yok."),
        (
            "X1086995041200112114078876651\x1d1712123110K0016",
            "syntax",
            "Karekod okunamadı: 1. karakterde uygulama tanımlayıcısı (AI) bekleniyordu, "
            "'X108699504' geldi.",
        ),
        (
            "01086995041200112114078876651\x1d11121231\x1d10K0016",
            "unsupported_ai",
            "Karekodda desteklenmeyen uygulama tanımlayıcısı (11) var (31. karakter); "
            "ilaç karekodunda yalnızca (01), (21), (17) ve (10) bulunur.",
        ),
        (
            "01086995041200112114078876651\x1d2114078876651\x1d1712123110K0016",
            "duplicate_ai",
            "Karekodda (21) seri no alanı birden fazla kez var.",
        ),
        (
            "01086995041200112114078876651\x1d10K0016",
            "missing_ai",
            "Karekodda eksik alan: (17) SKT.",
        ),
        (
            "0108699504120011",
            "missing_ai",
            "Karekodda eksik alan: (21) seri no, (17) SKT, (10) parti no.",
        ),
        (
            "01086995041200122114078876651\x1d1712123110K0016",
            "check_digit",
            "GTIN (01) 08699504120012 kontrol hanesi hatalı: son hane 1 olmalı, 2 okundu.",
        ),
        (
            "010869950412A0112114078876651\x1d1712123110K0016",
            "bad_gtin",
            "GTIN (01) 14 rakam olmalı; okunan: '0869950412A011'.",
        ),
        (
            "01086995041200112114078876651\x1d1712133110K0016",
            "bad_date",
            "SKT (17) geçersiz: '121331'; YYAAGG biçiminde gerçek bir tarih olmalı "
            "(GG=00 ayın son günü demektir).",
        ),
        (
            "01086995041200112114078876651\x1d1712023010K0016",
            "bad_date",
            "SKT (17) geçersiz: '120230'; YYAAGG biçiminde gerçek bir tarih olmalı "
            "(GG=00 ayın son günü demektir).",
        ),
        (
            "010869950412001121ABC DEF\x1d1712123110K0016",
            "bad_serial",
            "Seri no (21) geçersiz karakter içeriyor: 'boşluk' GS1 karakter kümesinde yok; "
            "okunan: 'ABC DEF'.",
        ),
        (
            "01086995041200112112345678901234567890X\x1d1712123110K0016",
            "bad_serial",
            "Seri no (21) en çok 20 karakter olabilir; okunan: '12345678901234567890X'.",
        ),
        (
            "010869950412001121\x1d1712123110K0016",
            "bad_serial",
            "Seri no (21) boş.",
        ),
        (
            "010869950412001121" + "9" * 25 + "\x1d1712123110K0016",
            "bad_serial",
            "Seri no (21) en çok 20 karakter olabilir; okunan: '" + "9" * 25 + "'.",
        ),
        (
            "01086995041200112114078876651\x1d1712123110K#0016",
            "bad_batch",
            "Parti no (10) geçersiz karakter içeriyor: '#' GS1 karakter kümesinde yok; "
            "okunan: 'K#0016'.",
        ),
    ],
)
def test_every_error_has_a_code_and_a_turkish_message(text: str, code: str, message: str) -> None:
    error = err(text)
    assert (error.code, error.message) == (code, message)


def test_a_split_that_fits_twice_is_ambiguous_and_carries_both_readings() -> None:
    # serial "A1727113010X" hides "17271130" + "10": both splits are valid GS1 (its.md §6:
    # "Without GS the string is genuinely ambiguous")
    text = "0108699504120011" "21A1727113010X" "17271130" "10B1"
    error = err(text)
    assert error.code == "ambiguous"
    assert error.message == (
        "Karekodda ayraç (GS) eksik ve 2 farklı şekilde okunabiliyor; doğru paketi listeden "
        "seçin ya da okuyucuyu GS gönderecek şekilde ayarlayın."
    )
    serials = sorted(c.serial for c in error.candidates)
    assert serials == ["A", "A1727113010X"]


def test_known_packs_resolve_an_ambiguous_reading() -> None:
    text = "0108699504120011" "21A1727113010X" "17271130" "10B1"
    known = {PackKey("08699504120011", "A1727113010X")}
    result = parse_karekod(text, today=TODAY, known=known)
    assert result.value is not None
    assert result.value.serial == "A1727113010X"
    assert result.value.batch == "B1"
    assert [w.message for w in result.warnings] == [
        "Karekodda ayraç (GS) eksikti ve 2 şekilde okunabiliyordu; listede olan paket seçildi: "
        "08699504120011/A1727113010X."
    ]
    by_predicate = resolve_ambiguous(parse_karekod(text, today=TODAY), known.__contains__)
    assert by_predicate.value == result.value


def test_resolving_keeps_the_ambiguity_when_no_candidate_is_known() -> None:
    text = "0108699504120011" "21A1727113010X" "17271130" "10B1"
    result = resolve_ambiguous(parse_karekod(text, today=TODAY), set())
    assert result.error is not None and result.error.code == "ambiguous"
    plain = KarekodResult(ITSTOOLS)
    assert resolve_ambiguous(plain, set()) is plain


def test_it_formats_back_to_element_string_and_hri() -> None:
    assert ITSTOOLS.element_string() == "01086995041200112114078876651\x1d1712123110K0016"
    assert ITSTOOLS.element_string("<GS>") == "01086995041200112114078876651<GS>1712123110K0016"
    assert ITSTOOLS.hri() == "(01)08699504120011(21)14078876651(17)121231(10)K0016"
    assert ok(ITSTOOLS.element_string(GS)) == ITSTOOLS
    assert ok(ITSTOOLS.hri()) == ITSTOOLS
    assert ITSTOOLS.key == PackKey("08699504120011", "14078876651")


def test_it_warns_when_serial_or_batch_fall_outside_the_its_charset() -> None:
    # İTS WSDL restricts SN and BN to [A-Z0-9] (its.md §6, SAN WSDL)
    result = parse_karekod("010869950412001121ab-1\x1d1712123110K0016", today=TODAY)
    assert result.value is not None and result.value.serial == "ab-1"
    assert [w.message for w in result.warnings] == [
        "Seri no (21) 'ab-1' İTS'nin kabul ettiği karakterler (A–Z, 0–9) dışında karakter "
        "içeriyor; İTS bildirimi reddedebilir."
    ]
    assert parse_karekod(ITSTOOLS.element_string(), today=TODAY).warnings == ()


def test_every_code_is_listed() -> None:
    assert len(CODES) == 12


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        # no separator: the deepest failed reading is reported (its.md §6 example, date broken)
        (
            "010869950412001121140788766511712133110K0016",
            "bad_date",
            "SKT (17) geçersiz: '121331'; YYAAGG biçiminde gerçek bir tarih olmalı "
            "(GG=00 ayın son günü demektir).",
        ),
        (
            "010869950412001121140788766511712123110K 0016",
            "bad_batch",
            "Parti no (10) geçersiz karakter içeriyor: 'boşluk' GS1 karakter kümesinde yok; "
            "okunan: 'K 0016'.",
        ),
        ("0108699504120011211407887665117121231", "missing_ai", "Karekodda eksik alan: (10) parti no."),
        (
            "010869950412001121140788766511712123110" + "K" * 22,
            "bad_batch",
            "Parti no (10) en çok 20 karakter olabilir; okunan: 'KKKKKKKKKKKKKKKKKKKKK'.",
        ),
        (
            "0108699504120011171212310108699504120011",
            "duplicate_ai",
            "Karekodda (01) GTIN alanı birden fazla kez var.",
        ),
        # HRI form (its.md §6: manual entry order (01)(21)(17)(10))
        (
            "(AB)1(01)08699504120011",
            "syntax",
            "Karekod okunamadı: 1. karakterde uygulama tanımlayıcısı (AI) bekleniyordu, "
            "'(AB)1(01)0' geldi.",
        ),
        (
            "(01)08699504120011(11)121231",
            "unsupported_ai",
            "Karekodda desteklenmeyen uygulama tanımlayıcısı (11) var; ilaç karekodunda yalnızca "
            "(01), (21), (17) ve (10) bulunur.",
        ),
        ("(21)A(21)B", "duplicate_ai", "Karekodda (21) seri no alanı birden fazla kez var."),
        ("(01)0869950412001(21)A", "bad_gtin", "GTIN (01) 14 rakam olmalı; okunan: '0869950412001'."),
        (
            "(01)08699504120011(17)1212",
            "bad_date",
            "SKT (17) geçersiz: '1212'; YYAAGG biçiminde gerçek bir tarih olmalı "
            "(GG=00 ayın son günü demektir).",
        ),
        # GS form: duplicate fixed fields
        (
            "0108699504120011\x1d0108699504120011",
            "duplicate_ai",
            "Karekodda (01) GTIN alanı birden fazla kez var.",
        ),
        (
            "1712123117121231",
            "duplicate_ai",
            "Karekodda (17) SKT alanı birden fazla kez var.",
        ),
        # non-ASCII that is not a Turkish-Q letter: no remapping, the character is refused
        (
            "010869950412001121A€\x1d1712123110K0016",
            "bad_serial",
            "Seri no (21) geçersiz karakter içeriyor: '€' GS1 karakter kümesinde yok; "
            "okunan: 'A€'.",
        ),
        # Turkish letters that no reading can fix: the error carries no layout warning
        ("010869950412001121ş€", "bad_serial", "Seri no (21) geçersiz karakter içeriyor: '€' "
         "GS1 karakter kümesinde yok; okunan: ';€'."),
    ],
)
def test_other_inputs_fail_with_the_right_code(text: str, code: str, message: str) -> None:
    error = err(text)
    assert (error.code, error.message) == (code, message)


def test_a_turkish_capital_i_typed_for_i_is_read_when_the_layout_reading_fails() -> None:
    # 'İ' is Shift+i on Turkish-Q (its.md §6); the full KBDTUQ reading turns ',' into '\\'
    result = parse_karekod("010869950412001121İ,1\x1d1712123110K0016", today=TODAY)
    assert result.value is not None and result.value.serial == "I,1"
    assert result.warnings[0].code == "keyboard_layout"


def test_known_packs_that_match_several_candidates_keep_it_ambiguous() -> None:
    text = "010869950412001121A1727113010X1727113010B1"
    everything = parse_karekod(text, today=TODAY, known=lambda key: True)
    assert everything.error is not None and everything.error.code == "ambiguous"
    assert len(everything.error.candidates) == 2


def test_karekod_parse_returns_the_value_or_raises_with_the_code() -> None:
    from eczane.domain.errors import ParseError

    assert Karekod.parse(ITSTOOLS.hri(), today=TODAY) == ITSTOOLS
    with pytest.raises(ParseError) as info:
        Karekod.parse("", today=TODAY)
    assert info.value.code == "empty"


def test_a_unique_reading_without_separators_is_accepted_with_a_warning() -> None:
    result = parse_karekod("010869950412001121140788766511712123110K0016", today=TODAY)
    assert result.value == ITSTOOLS
    assert [w.message for w in result.warnings] == [
        "Karekodda ayraç (GS) eksikti; alanlar tek geçerli okumaya göre ayrıldı."
    ]


def test_a_separator_bearing_input_is_never_split_where_a_gs_is_missing() -> None:
    # GS after the batch but not after the serial: the serial runs to the end (issue 14:
    # "where a GS is present, fields end at it"), so the SKT is missing; no guess is accepted
    text = "0108699504120011" "10K0016\x1d" "2114078876651" "17121231"
    assert err(text).code == "missing_ai"
    assert err(text).message == "Karekodda eksik alan: (17) SKT."


NOT_A_KAREKOD = "Bu bir ilaç karekodu değil (kutu üzerindeki 2B karekodu okutun)"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # issue 14 finding 9: a box's linear barcode read instead of its karekod
        ("8699504120011", "EAN-13"),
        ("]E08699504120011\r\n", "EAN-13"),  # AIM identifier of EAN-13 (ISO/IEC 15424)
        ("86995047", "EAN-8"),
        ("012345678905", "UPC-A"),
        ("08699504120011", "GTIN-14 / ITF-14"),
    ],
)
def test_a_linear_barcode_is_named_as_not_a_drug_karekod(text: str, kind: str) -> None:
    e = err(text)
    assert e.code == "not_karekod"
    assert e.message == f"{NOT_A_KAREKOD}: çizgili barkod ({kind}) okundu."


def test_a_number_that_is_not_a_valid_gtin_keeps_the_engine_reason() -> None:
    # wrong check digit: not a scanner's linear barcode, so the field-level reason stays
    assert err("8699504120012").code == "unsupported_ai"
    assert err("0108699504120011").code == "missing_ai"
