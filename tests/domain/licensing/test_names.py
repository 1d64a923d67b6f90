import pytest

from eczane.domain.errors import ParseError
from eczane.domain.licensing.names import check_name, name_key
from eczane.licensing_data import run_names

PROVINCE = ["Işık Eczanesi", "Şifa Eczanesi", "Yeni Hayat Eczanesi", "Gül Eczanesi"]


# seed 001 §Eczanelere verilecek isimler 1: a new or moved pharmacy's name must differ from
# every pharmacy in the province; comparison ignores case (İ/i, I/ı), spacing and the suffix.
@pytest.mark.parametrize("name, same", [
    ("IŞIK ECZANESİ", ["Işık Eczanesi"]),
    ("ışık", ["Işık Eczanesi"]),
    ("Isik Eczanesi", ["Işık Eczanesi"]),
    ("yenihayat eczanesı", ["Yeni Hayat Eczanesi"]),
    ("Yeni-Hayat", ["Yeni Hayat Eczanesi"]),
    ("Güneş Eczanesi", []),
    ("Gül Bahçesi Eczanesi", []),
])
def test_same_names_are_found_whatever_the_spelling(name, same):
    r = check_name(name, PROVINCE, province="İstanbul")
    assert list(r.same) == same
    assert r.ok is (not same)


def test_the_refusal_names_the_existing_pharmacy():
    r = check_name("ŞİFA", PROVINCE, province="İstanbul")
    assert r.reasons[0].message == ("'ŞİFA' adı İstanbul ilindeki mevcut eczanelerle aynı: Şifa "
                                    "Eczanesi. Başka bir ad seçin.")


def test_close_names_are_a_warning_not_a_refusal():
    r = check_name("Şifai Eczanesi", PROVINCE)
    assert r.ok and r.similar == ("Şifa Eczanesi",)


def test_dotted_and_dotless_capital_i_fold_the_same():
    assert name_key("İNCİ") == name_key("inci") == name_key("Inci")


def test_an_empty_name_is_refused():
    with pytest.raises(ParseError) as e:
        check_name("Eczanesi", PROVINCE)
    assert e.value.message == "Eczane adı boş veya yalnızca 'Eczanesi' olamaz: 'Eczanesi'."


SIGNS = [
    # rule, answer, ok — seed 001 §Eczanelere verilecek isimler ve eczane tabelası
    ("ad_levhasi", True, True),        # madde 2: one visible facade, inside the borders
    ("e_logo", False, False),          # madde 3: "E" logolu ışıklı levha konulur
    ("totem", True, False),            # madde 4: seyyar veya totem tabela ... konulamaz
    ("vitrin_ilan", False, True),      # madde 4: vitrinlere ... ilân yapıştırılamaz
    ("nobetci_listesi", None, None),   # madde 5: not answered → not a pass
]


@pytest.mark.parametrize(("key", "answer", "ok"), SIGNS)
def test_each_sign_rule_is_answered_with_its_text_and_source(key, answer, ok):
    r = run_names({"ad": "Şifa", "tabela": {key: answer}})
    sign = next(s for s in r.signs if s.rule == f"tabela-{key}")
    assert sign.ok is ok
    assert sign.source.startswith("seed 001_271ab17188307080.txt §Eczanelere verilecek isimler "
                                  "ve eczane tabelası madde ")
    assert len(r.signs) == 5


def test_an_unknown_sign_rule_is_refused():
    with pytest.raises(ParseError, match="Bilinmeyen tabela kuralı: 'reklam'"):
        run_names({"ad": "Şifa", "tabela": {"reklam": True}})


def test_a_bad_sign_answer_names_the_rule_in_turkish():
    with pytest.raises(ParseError, match="“Tabela: totem / seyyar tabela” alanı evet/hayır"):
        run_names({"ad": "Şifa", "tabela": {"totem": "belki"}})
