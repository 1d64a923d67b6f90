from datetime import date

from eczane.licensing_data import run_tracker

TODAY = date(2026, 11, 23)


def keys(r):
    return [s.spec.key for s in r.steps]


def test_the_steps_follow_the_istanbul_page_order():
    # seed 002 §MÜRACAAT, §1.2, §1.3
    r = run_tracker({"tur": "serbest"}, today=TODAY)
    assert keys(r) == ["ilce_dosya", "kroki_sube", "oda_onay", "dosya_teslim", "harc", "ruhsat"]


def test_a_hospital_pharmacy_adds_the_hospital_licence_and_uses_a_floor_plan():
    # seed 002 §2.2 (kat planı) and §2.3 madde 17
    r = run_tracker({"tur": "hastane"}, today=TODAY)
    assert keys(r)[1] == "hastane_izin"
    assert "kat planı" in r.steps[2].spec.title


def test_a_placed_pharmacist_must_hand_in_originals_within_60_days_or_is_late():
    # seed 001: "ilân tarihinden itibaren en geç altmış gün"
    r = run_tracker({"tur": "serbest", "yerlestirme_tarihi": "2026-09-01",
                     "adimlar": {"ilce_dosya": {"tamam": "2026-09-10"},
                                 "kroki_sube": {"tamam": "2026-09-20"},
                                 "oda_onay": {"tamam": "2026-10-01"}}}, today=TODAY)
    assert keys(r)[0] == "yerlestirme"
    assert r.late == "dosya_teslim"
    late = next(s for s in r.steps if s.spec.key == "dosya_teslim")
    assert (late.status, late.due) == ("gecikti", date(2026, 10, 31))
    assert r.reasons[0].message == ("'Dosyanın asıl belgelerle Şubeye teslimi (Çemberlitaş evrak "
                                    "kaydı)' için son tarih 31.10.2026 geçti. Yerleştirme "
                                    "ilanından en geç 60 gün.")


def test_documents_older_than_a_month_make_the_first_application_late():
    r = run_tracker({"belgeler": {"savcilik": "2026-10-01", "ilce_uygunluk": "2026-10-05"}},
                    today=TODAY)
    first = r.steps[0]
    assert (first.status, first.due) == ("gecikti", date(2026, 11, 1))
    assert ("ilce_uygunluk", date(2026, 10, 5)) in first.documents
    assert ("savcilik", date(2026, 10, 1)) in r.steps[3].documents  # the file itself


def test_an_uncollected_licence_is_late_after_30_days():
    done = {k: {"tamam": "2026-10-01"} for k in
            ("ilce_dosya", "kroki_sube", "oda_onay", "dosya_teslim", "harc")}
    r = run_tracker({"adimlar": done, "ruhsat_duzenlendi": "2026-10-10"}, today=TODAY)
    assert r.late == "ruhsat"


def test_the_pharmacists_own_target_date_counts_and_the_rest_wait():
    r = run_tracker({"adimlar": {"ilce_dosya": {"hedef": "2026-12-01"}}}, today=TODAY)
    assert [s.status for s in r.steps][:2] == ["sirada", "bekliyor"]
    assert r.steps[0].due_why == "Sizin hedef tarihiniz."
    assert r.late is None


def test_dates_out_of_order_and_late_completion_are_reported():
    r = run_tracker({"yerlestirme_tarihi": "2026-01-01",
                     "adimlar": {"ilce_dosya": {"tamam": "2026-02-10"},
                                 "kroki_sube": {"tamam": "2026-02-01"},
                                 "oda_onay": {"tamam": "2026-02-15"},
                                 "dosya_teslim": {"tamam": "2026-03-15"}}}, today=TODAY)
    messages = [x.message for x in r.reasons]
    assert ("'Şubede kroki onayı (4 adet orijinal kroki, vaziyet planı)' 01.02.2026 tarihinde "
            "tamamlanmış; önceki adımdan önce. Tarihleri kontrol edin.") in messages
    assert ("'Dosyanın asıl belgelerle Şubeye teslimi (Çemberlitaş evrak kaydı)' son tarihten "
            "(02.03.2026) sonra tamamlandı.") in messages


def test_a_late_file_after_placement_says_the_right_and_the_next_announcement_are_lost():
    # seed 001 §'... başvuruda bulunmaz ise': 60 days, else the placement right is lost and the
    # pharmacist may not apply at the next announcement
    r = run_tracker({"yerlestirme_tarihi": "2026-01-10"}, today=date(2026, 3, 20))
    lost = [x for x in r.reasons if x.rule == "yerlestirme-hakki-kaybi"]
    assert lost and lost[0].ok is False
    assert "bir sonraki Kurum ilanında yerleştirme başvurusunda bulunamaz" in lost[0].message
    assert "başvuruda bulunmaz ise" in lost[0].source
    fine = run_tracker({"yerlestirme_tarihi": "2026-01-10"}, today=date(2026, 3, 1))
    assert not [x for x in fine.reasons if x.rule == "yerlestirme-hakki-kaybi"]
