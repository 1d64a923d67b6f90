from datetime import UTC, date, datetime

import pytest

from eczane.domain.errors import ParseError
from eczane.domain.licensing.deadlines import ics_events
from eczane.domain.licensing.ical import IcsEvent, escape_text, fold_line, to_ics
from eczane.licensing_data import run_deadlines, work_calendar


def ends(data):
    result, _ = run_deadlines(data)
    return {d.key: d for d in result.deadlines}


def test_the_placement_timeline_from_an_announcement():
    # seed 001 §ECZANE AÇMA BAŞVURU İŞLEMLERİ: 30 days to apply, placement within 10 business
    # days of the end of applications, 7 days to object to a lottery, second placement within 30
    # days; originals within 60 days of the placement announcement.
    d = ends({"ilan_tarihi": "2026-03-02", "kura": True})
    assert d["basvuru"].end == date(2026, 4, 1)
    assert d["yerlestirme"].end == date(2026, 4, 15)
    assert d["yerlestirme"].span == "10 iş günü"
    assert d["kura-itiraz"].end == date(2026, 4, 22)
    assert d["ikinci-yerlestirme"].end == date(2026, 5, 15)
    assert d["asil-belgeler"].end == date(2026, 6, 14)
    assert d["asil-belgeler"].notes[-1] == (
        "Son gün 14.06.2026 Pazar gününe denk geliyor; idari sürelerde ilk iş gününe uzayıp "
        "uzamadığını kurumunuza sorun.")


def test_muvazaa_business_days_skip_the_2026_holidays_and_note_the_half_day():
    # seed 001 §muvazaa: chamber 15 business days, directorate 10 business days.
    # 2026: 19 May holiday, Kurban Bayramı 27–30 May, arife 26 May from 13:00 (holidays pkg).
    d = ends({"oda_teblig_tarihi": "2026-05-15"})
    oda = d["muvazaa-oda"]
    assert oda.end == date(2026, 6, 11)
    assert "27.05.2026 Kurban Bayramı sayılmadı." in oda.notes
    assert "26.05.2026 yarım gün (Kurban Bayramı (saat 13.00'ten)) iş günü sayıldı." in oda.notes
    assert d["muvazaa-karar"].end == date(2026, 6, 25)


def test_roll_forward_moves_a_weekend_end_to_the_next_business_day():
    d = ends({"yerlestirme_tarihi": "2026-04-15", "tatilde_uzat": True})
    assert d["asil-belgeler"].end == date(2026, 6, 15)


@pytest.mark.parametrize("data, key, end", [
    ({"ruhsat_tarihi": "2026-01-10"}, "ruhsat-teslim", date(2026, 2, 9)),        # 30 days
    ({"tadilat_baslangic": "2026-07-01"}, "tadilat", date(2026, 7, 31)),        # 30 days
    ({"gecici_kapanis": "2024-02-29"}, "gecici-kapanis", date(2026, 2, 28)),    # 2 years
    ({"kapatma_karari": "2026-01-01"}, "tasfiye", date(2026, 3, 2)),            # 60 days
    ({"muvazaa_tespiti": "2026-01-01"}, "muvazaa-yasak", date(2031, 1, 1)),     # 5 years
    ({"vefat_tarihi": "2026-01-01"}, "vereseli-mesul-mudur", date(2031, 1, 1)),  # md. 9: 5 years
    ({"vefat_tarihi": "2026-01-01", "es_veya_cocuk": False}, "vereseli-tasfiye",
     date(2027, 1, 1)),                                                         # md. 10: 1 year
    ({"vefat_tarihi": "2026-01-01", "cocuk_dogum_tarihleri": ["2015-03-04", "2020-08-09"]},
     "vereseli-mesul-mudur", date(2038, 8, 9)),           # md. 9: until the child comes of age
])  # seed 001: §ruhsat alınmaz ise, §Tadilat, §kapalı tutulması, §kapatılması, md. 8–10
def test_other_periods(data, key, end):
    assert ends(data)[key].end == end


def test_at_least_one_start_date_is_needed():
    with pytest.raises(ParseError) as e:
        run_deadlines({"kura": True})
    assert e.value.message == "En az bir başlangıç tarihi girin (ör. “TİTCK ilan tarihi”)."


def test_the_calendar_has_the_2026_holidays_and_half_days():
    cal = work_calendar([2026])
    assert cal.holidays[date(2026, 10, 29)] == "Cumhuriyet Bayramı"
    assert date(2026, 10, 28) in cal.half_days and cal.is_business_day(date(2026, 10, 28))
    assert not cal.is_business_day(date(2026, 3, 21))


def test_ics_lines_end_in_crlf_are_folded_and_escaped():
    long = "Asıl belgelerle il/ilçe sağlık müdürlüğüne başvuru son günü; virgül, noktalı virgül"
    ics = to_ics([IcsEvent("x@eczane", date(2026, 6, 14), long, "a\nb")],
                 dtstamp=datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    for line in ics.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:" + escape_text(long) + "\r\n" in unfolded
    assert "\\; virgül\\, noktalı" in unfolded
    assert "DESCRIPTION:a\\nb\r\n" in unfolded
    assert "DTSTART;VALUE=DATE:20260614\r\nDTEND;VALUE=DATE:20260615" in unfolded
    assert "DTSTAMP:20260101T120000Z" in unfolded


def test_folding_never_splits_a_turkish_letter():
    line = "SUMMARY:" + "ş" * 100
    for piece in fold_line(line).split("\r\n"):
        piece.encode("utf-8").decode("utf-8")
        assert len(piece.encode("utf-8")) <= 75


def test_every_deadline_becomes_an_event_with_its_source():
    result, _ = run_deadlines({"ilan_tarihi": "2026-03-02"})
    events = ics_events(result, uid_prefix="t")
    assert [e.day for e in events] == [d.end for d in result.deadlines]
    assert "Kaynak: seed 001_271ab17188307080.txt" in events[0].description


def test_a_deadline_ending_on_a_half_day_says_so():
    # 2026-10-28 is a half day (holidays pkg, "saat 13.00'ten"); 30 days after 28.09.2026
    d = ends({"tadilat_baslangic": "2026-09-28"})["tadilat"]
    assert d.end == date(2026, 10, 28)
    assert d.notes[-1] == "Son gün yarım gün: Cumhuriyet Bayramı (saat 13.00'ten)."


def test_turkish_dates_are_accepted_too():
    assert ends({"ilan_tarihi": "02.03.2026"})["basvuru"].end == date(2026, 4, 1)


# --- issue 14: seed content that was missing ------------------------------------------------

def test_missing_the_60_days_costs_the_placement_and_the_next_announcement():
    # seed 001 §'... ilan edilen eczacılar başvuruda bulunmaz ise': "Mücbir sebep olmaksızın en
    # geç 60 gün içerisinde başvuruda bulunmayan veya eksik evrak teslim eden eczacı,
    # yerleştirmeden doğan eczane açma hakkını kaybeder ve bir sonraki Kurum ilânında
    # yerleştirme başvurusunda bulunamaz."
    d = ends({"yerlestirme_tarihi": "2026-04-15"})["asil-belgeler"]
    assert d.notes[0].endswith("eczane açma hakkını kaybeder ve bir sonraki Kurum ilanında "
                               "yerleştirme başvurusunda bulunamaz.")
    assert "başvuruda bulunmaz ise" in d.source


def test_a_renovation_needs_the_directorates_approval_and_lasts_at_most_30_days():
    # seed 001 §Eczanelerde Tadilat yapılması maddeler 1–2
    d = ends({"tadilat_baslangic": "2026-03-02"})["tadilat"]
    assert d.notes[0] == ("Krokide değişiklik oluşturacak tadilat, eczacı odasının görüşü "
                          "alınarak il sağlık müdürlüğü onayıyla yapılır: başlamadan önce onay "
                          "alın.")
    assert "madde 1" in d.source and "madde 2" in d.source


def test_the_muvazaa_ban_applies_to_every_pharmacist_involved():
    # seed 001 §Eczanenin kapatılması: "Muvazaanın eczacılar arasında yapılmış olması hâlinde,
    # eczane açma yasağı hepsi hakkında uygulanır."
    d = ends({"muvazaa_tespiti": "2026-03-02"})["muvazaa-yasak"]
    assert d.end == date(2031, 3, 2)
    assert "yasağı hepsi hakkında uygulanır" in d.notes[0]
