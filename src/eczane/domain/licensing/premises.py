"""What the pharmacist knows about a shop (the sketch's parts and the place's facts), parsed.

The vocabulary (part kinds, floor coverings, equipment) and :class:`Premises` with its
``parse``; the rules that judge a Premises are in :mod:`eczane.domain.licensing.site`.

>>> p = Premises.parse({"bolumler": [{"tur": "satis", "alan_m2": "34,5"}], "zemin": "karo"})
>>> p.parts[0].area_m2, p.floor_material
(Decimal('34.5'), 'karo')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eczane.domain.errors import ParseError
from eczane.domain.licensing.reasons import field_label, get_bool, get_date, parse_decimal

PART_KINDS: dict[str, str] = {
    "satis": "Satış alanı / banko", "bekleme": "Bekleme yeri", "laboratuvar": "Laboratuvar",
    "depo": "Depo", "ofis": "Ofis / eczacı odası", "wc": "WC", "lavabo": "Lavabo",
    "bodrum": "Bodrum", "asma_kat": "Asma kat", "merdiven": "Merdiven boşluğu",
    "merdiven_alti": "Merdiven altı", "kolon": "Kolon", "ara_duvar": "Ara duvar",
}
"""Kinds of part a sketch (kroki/röleve) names, with their Turkish labels."""

OPERATIONS = {"acilis": "Yeni açılış", "nakil": "Nakil", "devir": "Devir"}

FLOOR_MATERIALS: dict[str, str] = {
    "karo": "Karo", "mermer": "Mermer", "seramik": "Seramik", "granit": "Granit",
    "pvc": "PVC / vinil kaplama", "epoksi": "Epoksi kaplama", "laminat": "Laminat",
    "parke": "Ahşap parke", "hali": "Halı / halıfleks", "diger": "Diğer",
}
"""Floor coverings the pharmacist can name; which ones pass is per profile (data)."""

GROUND_FLOOR_PARTS: dict[str, str] = {"banko": "Banko", "bekleme": "Bekleme yeri",
                                      "laboratuvar": "Laboratuvar"}
"""Parts a profile may require on the entrance floor (seed 001 madde 7; seed 002 §1.1)."""

@dataclass(frozen=True)
class Part:
    """One part of the premises, as the sketch names it."""

    name: str
    kind: str
    """One of :data:`PART_KINDS`."""
    area_m2: Decimal


@dataclass(frozen=True)
class Premises:
    """What the pharmacist knows about the shop. ``None`` = not known yet (checked as unknown)."""

    parts: tuple[Part, ...]
    operation: str = "acilis"
    """acilis / nakil / devir (see :class:`TransferExemption` for the relaxed devir)."""
    transferor_had_pharmacy_2012: bool = False
    """Devir: the transferring pharmacist had this pharmacy on the 2012 law date (seed 001)."""
    height_m: Decimal | None = None
    permit_wording: str | None = None
    """What the yapı ruhsatı / yapı kullanma izni says the space is (e.g. "dükkan")."""
    street_frontage: bool | None = None
    """Facade and door on a municipal street or avenue."""
    transport_hub: bool = False
    """Airport, port, bus or train station (exempt from the frontage and health-building rules)."""
    health_institution: str | None = None
    """yok / muayenehane / tahlil_goruntuleme / diger (a health institution in the building)."""
    door_into_other_shop: bool | None = None
    lab_opens_outside: bool | None = None
    lab_separated: bool | None = None
    """The laboratory is separated so that customers and patients have no contact with it."""
    on_entrance_floor: dict[str, bool | None] = field(default_factory=dict)
    """banko / bekleme / laboratuvar → on the entrance floor (True/False/None)."""
    floor_material: str | None = None
    """One of :data:`FLOOR_MATERIALS`; None = not given."""
    uncancelled_licence: bool | None = None
    """The place already has a pharmacy licence that is not cancelled yet (seed 002 MÜRACAAT)."""
    disaster_documented: bool | None = None
    """The earlier pharmacy was licensed before the disaster and damage is documented."""
    temporary_building: bool = False
    equipment: dict[str, bool | None] = field(default_factory=dict)
    """buzdolabi, isi_nem_kaydi, kalibrasyon, sehir_suyu, zehir_dolaplari → True/False/None."""

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Premises:
        """From the JSON input documented in docs/licensing.md; ParseError names the field."""
        rows = data.get("bolumler")
        if not isinstance(rows, list) or not rows:
            raise ParseError("En az bir bölüm girin (krokideki her bölüm için ad, tür ve alan).",
                             code="missing")
        parts = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise ParseError(f"{field_label(f'bolumler[{i}]')} bir nesne olmalı.", code="bad_row")
            kind = str(row.get("tur", "")).strip()
            if kind not in PART_KINDS:
                raise ParseError(f"{field_label(f'bolumler[{i}].tur')} bilinmiyor: {kind!r} (beklenen: "
                                 f"{', '.join(PART_KINDS)}).", code="bad_kind")
            area = parse_decimal(row.get("alan_m2"), f"bolumler[{i}].alan_m2")
            parts.append(Part(str(row.get("ad") or PART_KINDS[kind]), kind, area))
        op = str(data.get("islem", "acilis"))
        if op not in OPERATIONS:
            raise ParseError(f"{field_label('islem')} bilinmiyor: {op!r} (acilis, nakil, devir).", code="bad_op")
        hi = data.get("saglik_kurulusu")
        if hi not in (None, "", "yok", "muayenehane", "tahlil_goruntuleme", "diger"):
            raise ParseError(f"{field_label('saglik_kurulusu')} bilinmiyor: {hi!r} (yok, muayenehane, "
                             "tahlil_goruntuleme, diger).", code="bad_value")
        height = data.get("yukseklik_m")
        equipment_raw = data.get("donanim") or {}
        if not isinstance(equipment_raw, dict):
            raise ParseError(f"{field_label('donanim')} bir nesne olmalı.", code="bad_value")
        equipment = {k: get_bool(equipment_raw, k, default=None) for k in EQUIPMENT}
        get_date(data, "afet_tarihi")  # validated for the record; not needed for the check
        if "2014_oncesi_ruhsatli" in data:
            raise ParseError("'2014_oncesi_ruhsatli' artık kullanılmıyor: kaynaktaki koşul "
                             "“30 Mayıs 2012 tarihinde eczanesi olan” eczacıdır; "
                             f"{field_label('devreden_2012_eczaneli')} alanını girin.",
                             code="bad_value")
        floor = data.get("zemin")
        if floor not in (None, "") and floor not in FLOOR_MATERIALS:
            raise ParseError(f"{field_label('zemin')} bilinmiyor: {floor!r} (beklenen: "
                             f"{', '.join(FLOOR_MATERIALS)}).", code="bad_value")
        return cls(
            parts=tuple(parts), operation=op,
            transferor_had_pharmacy_2012=bool(get_bool(data, "devreden_2012_eczaneli")),
            height_m=None if height in (None, "") else parse_decimal(height, "yukseklik_m"),
            permit_wording=(str(data["ruhsat_ibaresi"]) if data.get("ruhsat_ibaresi") else None),
            street_frontage=get_bool(data, "cadde_cephesi", default=None),
            transport_hub=bool(get_bool(data, "ulasim_merkezi")),
            health_institution=str(hi) if hi else None,
            door_into_other_shop=get_bool(data, "baska_dukkana_kapi", default=None),
            lab_opens_outside=get_bool(data, "lab_disariya_acik", default=None),
            lab_separated=get_bool(data, "lab_musteriden_ayri", default=None),
            on_entrance_floor={
                "banko": get_bool(data, "banko_giris_katinda", default=None),
                "bekleme": get_bool(data, "bekleme_giris_katinda", default=None),
                "laboratuvar": get_bool(data, "lab_giris_katinda", default=None)},
            floor_material=str(floor) if floor else None,
            uncancelled_licence=get_bool(data, "iptal_edilmemis_ruhsat", default=None),
            disaster_documented=get_bool(data, "afet_belgeli", default=None),
            temporary_building=bool(get_bool(data, "gecici_yapi")),
            equipment=equipment,
        )


EQUIPMENT: dict[str, tuple[str, str]] = {
    "buzdolabi": ("Soğuk zincir ilaçlar için buzdolabı", "madde 10"),
    "isi_nem_kaydi": ("Sıcaklık-nem takibi: kayıt, erken uyarı sistemi, hafızalı termometre",
                      "madde 10"),
    "kalibrasyon": ("Tüm cihazların düzenli kalibrasyonu", "madde 10"),
    "sehir_suyu": ("Laboratuvarda şehir suyu", "madde 11"),
    "zehir_dolaplari": ("Kırmızı kapaklı 'şiddetli zehirler' ve yeşil kapaklı 'ayrı "
                        "bulundurulacak zehirler' dolapları", "madde 12"),
}
