"""The one shape every licensing conclusion shares: a rule, its source and a Turkish sentence.

>>> r = Reason("alan", "seed 001 §Yerin özellikleri 2", "Alan 36 m² ≥ 35 m².", ok=True)
>>> r.to_json()["rule"]
'alan'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.formatting import date_tr, number_tr

SEED_GUIDE = "seed 001_271ab17188307080.txt"
"""The guide to opening a pharmacy (2012 law, 2014 regulation, costs)."""
SEED_ISTANBUL = "seed 002_dfc04fed92d85993.txt"
"""İstanbul İl Sağlık Müdürlüğü, Eczacılık Şube Müdürlüğü: Eczane Açılış page."""
RESEARCH = "research/licensing.md"


@dataclass(frozen=True)
class Reason:
    """Why a conclusion was reached."""

    rule: str
    """Stable machine id of the rule (``alan``, ``gecici3-acma``...)."""
    source: str
    """Where the rule is written: seed file + section, law article or research note."""
    message: str
    """The conclusion in Turkish, for the pharmacist."""
    ok: bool | None = None
    """True = satisfied / allowed, False = broken / refused, None = information."""

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "message": self.message, "ok": self.ok}


FIELD_LABELS: dict[str, str] = {
    # rights
    "mezuniyet": "Mezuniyet tarihi", "kayit_yili": "Fakülteye kayıt yılı",
    "yardimci_eczacilik_ay": "Yardımcı eczacılık (ay)",
    "kanun_tarihinde_eczanesi_vardi": "Kanun tarihinde eczaneniz var mıydı",
    "afet_ilani": "Doğal afet ilanı", "eczanesiz_yerlesimde_acildi": "Eczanesiz yerleşimde açıldı",
    "muvazaa_tarihi": "Muvazaa tespiti", "olaylar": "Eczane geçmişi", "tur": "Tür",
    "tarih": "Tarih",
    # score
    "meslek_yili": "Meslekte geçirilen toplam yıl", "ilceler": "Çalıştığınız ilçeler",
    "ilce": "İlçe", "yil": "Yıl", "katsayi": "İlçe katsayısı", "doktora": "Doktora",
    "devir": "Daha önce eczane devri",
    # vacancies
    "nufus": "İlçe nüfusu", "mevcut_eczane": "Mevcut serbest eczane sayısı", "amac": "Amaç",
    "yerlesimde_eczane_var": "Yerleşim biriminde eczane var",
    # site
    "bolumler": "Bölümler", "alan_m2": "Alan (m²)", "ad": "Ad", "islem": "İşlem",
    "yukseklik_m": "Giriş katı yüksekliği (m)", "ruhsat_ibaresi": "Yapı ruhsatı ibaresi",
    "saglik_kurulusu": "Binada sağlık kuruluşu", "cadde_cephesi": "Caddeye cephe ve kapı",
    "ulasim_merkezi": "Havaalanı, liman, otogar veya tren garı",
    "baska_dukkana_kapi": "Başka dükkâna açılan kapı",
    "lab_disariya_acik": "Laboratuvar dışarıya açık",
    "lab_musteriden_ayri": "Laboratuvar müşterilerden ayrı",
    "lab_giris_katinda": "Laboratuvar giriş katında",
    "bekleme_giris_katinda": "Bekleme yeri giriş katında",
    "banko_giris_katinda": "Banko giriş katında", "zemin": "Zemin kaplaması",
    "iptal_edilmemis_ruhsat": "Yerde iptal edilmemiş ruhsat",
    "afet_belgeli": "Afet öncesi ruhsat ve hasar belgesi", "gecici_yapi": "Geçici yapı",
    "afet_tarihi": "Afet tarihi", "donanim": "Donanım",
    "devreden_2012_eczaneli": "Devreden eczacının kanun tarihinde eczanesi vardı",
    # documents, tracker
    "ilk_basvuru": "İlk başvuru tarihi", "durumlar": "Durumlar", "belgeler": "Belgeler",
    "yerlestirme_tarihi": "Yerleştirme tarihi", "ruhsat_duzenlendi": "Ruhsat düzenlenme tarihi",
    "tamam": "Tamamlanma tarihi", "hedef": "Hedef tarih", "eczaci": "Eczacı",
    # fees
    "islem_harc": "İşlem",
    # feasibility
    "sermaye": "Açılış maliyeti (TL)", "ciro": "Beklenen aylık ciro (TL)",
    "kar_orani": "Kâr oranı (%)", "kira": "Kira (TL/ay)", "stopaj_orani": "Stopaj (% kira)",
    "giderler": "Aylık giderler", "kar_okumasi": "Kâr okuması",
    "nakit_sermaye": "Başlangıçtaki nakit sermayeniz (TL)",
    # deadlines
    "ilan_tarihi": "TİTCK ilan tarihi", "oda_teblig_tarihi": "Odaya tebliğ tarihi",
    "ruhsat_tarihi": "Ruhsatın düzenlendiği tarih", "tadilat_baslangic": "Tadilat başlangıcı",
    "gecici_kapanis": "Geçici kapanış", "kapatma_karari": "Kapatma kararı",
    "muvazaa_tespiti": "Muvazaa tespiti", "vefat_tarihi": "Vefat tarihi",
    "cocuk_dogum_tarihleri": "Çocukların doğum tarihleri", "kura": "Kura",
    "tatilde_uzat": "Tatilde ilk iş gününe uzat", "es_veya_cocuk": "Eş veya çocuk var",
    # names
    "mevcut": "İldeki eczane adları", "il": "İl", "tabela": "Tabela",
    "ad_levhasi": "Tabela: ad levhası", "e_logo": "Tabela: “E” logolu levha",
    "totem": "Tabela: totem / seyyar tabela", "vitrin_ilan": "Tabela: vitrin ilanı",
    "nobetci_listesi": "Tabela: nöbetçi eczane listesi",
}
"""JSON input keys → the Turkish label the pharmacist sees on the page (never the raw key)."""

ROW_LABELS = {"bolumler": "Bölüm", "ilceler": "İlçe satırı", "olaylar": "Olay",
              "cocuk_dogum_tarihleri": "Çocuk"}

_ROW = re.compile(r"(\w+)\[(\d+)\](?:\.(\w+))?(.*)")


def field_label(key: str) -> str:
    """The Turkish name of an input field, in quotes, for messages.

    >>> field_label("meslek_yili"), field_label("bolumler[2].alan_m2")
    ('“Meslekte geçirilen toplam yıl”', '“Bölüm 2: Alan (m²)”')
    """
    m = _ROW.fullmatch(key)
    if m:
        row = f"{ROW_LABELS.get(m[1], FIELD_LABELS.get(m[1], m[1]))} {m[2]}"
        sub = f": {FIELD_LABELS.get(m[3], m[3])}" if m[3] else ""
        return f"“{row}{sub}{m[4]}”"
    return f"“{FIELD_LABELS.get(key, key)}”"


def tl(amount: Decimal) -> str:
    """Turkish money format: ``1.074,30 TL``.

    >>> tl(Decimal("28350"))
    '28.350,00 TL'
    >>> tl(Decimal("-1234.5"))
    '-1.234,50 TL'
    """
    return num(amount, 2) + " TL"


def num(value: Decimal, places: int = 2, *, trim: bool = False) -> str:
    """Turkish number format (``.`` thousands, ``,`` decimals).

    >>> num(Decimal("1234.5"), 2)
    '1.234,50'
    >>> num(Decimal("1.250"), 3, trim=True)
    '1,25'
    """
    return number_tr(value, places, trim=trim)  # the one formatting module


def tr_date(d: date) -> str:
    """``23.11.2026`` (the way Turkish forms write dates)."""
    return date_tr(d)


# --- small parsing helpers shared by the ``parse`` classmethods ---------------------------

def get_date(data: dict[str, Any], key: str, *, required: bool = False) -> date | None:
    """A ``YYYY-MM-DD`` (or ``GG.AA.YYYY``) field, or a Turkish ParseError naming it."""
    raw = data.get(key)
    if raw is None or raw == "":
        if required:
            raise ParseError(f"{field_label(key)} alanı zorunlu (tarih).", code="missing")
        return None
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        if "." in text:
            d, m, y = text.split(".")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(f"{field_label(key)} alanı geçerli bir tarih değil: {raw!r} "
                         "(GG.AA.YYYY veya YYYY-AA-GG bekleniyor).", code="bad_date") from None


def get_decimal(data: dict[str, Any], key: str, *, default: Decimal | None = None,
                minimum: Decimal | None = Decimal(0), money: bool = False,
                label: str | None = None) -> Decimal:
    """A number field (``12,5`` and ``12.5`` both accepted), or a Turkish ParseError.

    ``label`` names the field in messages when it is not in :data:`FIELD_LABELS`.
    """
    raw = data.get(key)
    name = f"“{label}”" if label else field_label(key)
    if raw is None or raw == "":
        if default is None:
            raise ParseError(f"{name} alanı zorunlu (sayı).", code="missing")
        return default
    if isinstance(raw, bool):
        raise ParseError(f"{name} alanı sayı olmalı: {raw!r}.", code="bad_number")
    return parse_decimal(raw, label or key, minimum=minimum, money=money)


def parse_decimal(raw: Any, label: str, *, minimum: Decimal | None = Decimal(0),
                  money: bool = False) -> Decimal:
    """``12,5`` / ``12.5``; with ``money`` also ``1.500`` = 1500 (dots before 3 digits).

    ``label`` is a field key (see :func:`field_label`) or already a Turkish label.

    >>> parse_decimal("1.500", "x", money=True), parse_decimal("1.500", "x")
    (Decimal('1500'), Decimal('1.500'))
    >>> parse_decimal("28.350,75", "x")
    Decimal('28350.75')
    """
    text = str(raw).strip().replace(" ", "").replace("₺", "").replace("TL", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif money and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    name = field_label(label)
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ParseError(f"{name} alanı sayı olmalı: {raw!r}.", code="bad_number") from None
    if not value.is_finite():
        raise ParseError(f"{name} alanı sayı olmalı: {raw!r}.", code="bad_number")
    if minimum is not None and value < minimum:
        raise ParseError(f"{name} alanı {num(minimum, 2, trim=True)} veya daha büyük olmalı: "
                         f"{raw!r}.", code="out_of_range")
    return value


def get_bool(data: dict[str, Any], key: str, *, default: bool | None = False) -> bool | None:
    """``true/false``, ``evet/hayır``, ``1/0``, ``on`` (HTML checkbox); None when unknown."""
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "evet", "on", "yes", "var"}:
        return True
    if text in {"false", "0", "hayır", "hayir", "no", "yok"}:
        return False
    if text in {"bilinmiyor", "?", "unknown"}:
        return None
    raise ParseError(f"{field_label(key)} alanı evet/hayır olmalı: {raw!r}.", code="bad_bool")


def dec_str(value: Decimal) -> str:
    """A Decimal for JSON without trailing zeros or exponent.

    >>> dec_str(Decimal("8.7500")), dec_str(Decimal("10.000")), dec_str(Decimal("1E+1"))
    ('8.75', '10', '10')
    """
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")
