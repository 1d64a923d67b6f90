"""Overdue steps a chamber sees (``eczane.domain.overdue``); thresholds as shipped in
``data/chamber/overdue.yaml`` (30 / 3 / 7 days)."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.overdue import MemberSteps, Thresholds, overdue_steps

LIMITS = Thresholds(no_count_days=30, draft_waiting_days=3, refused_waiting_days=7)
TODAY = date(2026, 12, 6)

CASES = [
    # (last count, oldest draft, oldest unhandled refusal, refused packs) → codes
    # a pharmacy working through the steps this week: nothing late
    ((date(2026, 12, 1), date(2026, 12, 4), date(2026, 11, 30), 2), []),
    # the day a threshold is reached counts as late (30 days without a count)
    ((date(2026, 11, 6), None, None, 0), ["no_count"]),
    ((date(2026, 11, 7), None, None, 0), []),
    # never counted
    ((None, None, None, 0), ["no_count"]),
    # a draft waiting 3 days for the pharmacist's approval
    ((TODAY, date(2026, 12, 3), None, 0), ["draft_waiting"]),
    # refused packs: late after 7 days, but only while some are unhandled
    ((TODAY, None, date(2026, 11, 29), 3), ["refused_unhandled"]),
    ((TODAY, None, date(2026, 11, 29), 0), []),
    ((TODAY, None, None, 3), []),
    # everything late, in the order of the procedure (seed 000)
    ((None, date(2026, 11, 1), date(2026, 11, 1), 1),
     ["no_count", "draft_waiting", "refused_unhandled"]),
]


@pytest.mark.parametrize(("steps", "codes"), CASES)
def test_it_finds_the_overdue_steps(steps, codes):
    found = overdue_steps(MemberSteps(*steps), LIMITS, today=TODAY)
    assert [o.code for o in found] == codes


def test_the_sentences_say_how_long():
    steps = MemberSteps(date(2026, 10, 1), date(2026, 11, 30), date(2026, 11, 20), 4)
    assert [o.message for o in overdue_steps(steps, LIMITS, today=TODAY)] == [
        "66 gündür sayım yapılmamış.",
        "Taslak bildirim 6 gündür eczacı onayı bekliyor.",
        "İTS'nin 16 gün önce reddettiği 4 kutu için işlem yapılmamış.",
    ]


@pytest.mark.parametrize(("data", "message"), [
    ([], "overdue.yaml: bir eşleme (alan: değer) bekleniyor"),
    ({"no_count_days": 30, "draft_waiting_days": True, "refused_waiting_days": 7},
     "overdue.yaml: 'draft_waiting_days' 1 ya da daha büyük bir gün sayısı olmalı (verilen: True)"),
    ({"no_count_days": 30, "draft_waiting_days": 3},
     "overdue.yaml: 'refused_waiting_days' 1 ya da daha büyük bir gün sayısı olmalı (verilen: None)"),
])
def test_a_bad_threshold_file_is_refused(data, message):
    with pytest.raises(ValueError) as err:
        Thresholds.parse(data)
    assert str(err.value) == message


def test_the_shipped_thresholds_load():
    from eczane.store.chamber import load_thresholds

    assert load_thresholds() == LIMITS
