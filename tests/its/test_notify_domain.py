"""Pure outbox decisions (eczane.domain.notify): state machine, result codes, approval gate."""

from __future__ import annotations

from datetime import date

import pytest

from eczane.domain.errors import RuleError
from eczane.domain.notify import (
    Kind,
    PackState,
    StatusAnswer,
    Window,
    approval_problems,
    batches,
    check_transition,
    confirmation_phrase,
    decide_after_status,
    decide_result,
    retry_delay_s,
)
from eczane.its.protocol import result_codes

W75 = Window("75", date(2025, 7, 24), date(2025, 10, 24))  # research/its.md §5.1 (TEIS25, SAMSUN)
GLN = "8680001000001"


@pytest.mark.parametrize("uc, state", [
    ("00000", PackState.ACCEPTED),   # research/its.md §1.3: 00000 = success
    ("0", PackState.ACCEPTED),       # ATK strips leading zeros (§1.3)
    ("90000", PackState.RETRY),      # simulator transient code (data/its/result_codes.yaml)
    ("75001", PackState.REFUSED),    # after the 15.03.2025 cutoff (seed 000)
    ("60000", PackState.REFUSED),    # already deactive (§2)
    ("12345", PackState.REFUSED),    # unknown code: never retried on a guess
])
def test_result_codes_map_to_pack_states(uc, state):
    assert decide_result(uc, result_codes()).state is state


def test_already_deactive_after_an_earlier_lost_attempt_counts_as_done():
    # A request that timed out may still commit; the resend then meets "Ürün deaktif" (§2).
    done = decide_result("60000", result_codes(), kind=Kind.DEACTIVATION, sent_before=True)
    assert done.state is PackState.ACCEPTED
    first = decide_result("60000", result_codes(), kind=Kind.DEACTIVATION, sent_before=False)
    assert first.state is PackState.REFUSED
    assert decide_result("60000", result_codes(), kind=Kind.ACCEPTANCE, sent_before=True).state \
        is PackState.REFUSED


def test_an_unknown_code_is_refused_with_a_turkish_text_naming_it():
    assert decide_result("12345", result_codes()).text == "Bilinmeyen İTS sonuç kodu 12345"


@pytest.mark.parametrize("kind, answer, state", [
    (Kind.DEACTIVATION, StatusAnswer("60000", GLN), PackState.ACCEPTED),   # done before answer was lost
    (Kind.DEACTIVATION, StatusAnswer("60003", GLN), PackState.RETRY),      # still in pharmacy: resend
    (Kind.EXPIRY, StatusAnswer("60000", GLN), PackState.ACCEPTED),
    (Kind.ACCEPTANCE, StatusAnswer("60003", GLN), PackState.ACCEPTED),     # now on our GLN
    (Kind.ACCEPTANCE, StatusAnswer("60003", "8680001000018"), PackState.RETRY),
    (Kind.ACCEPTANCE, StatusAnswer("60002", "8680007800012"), PackState.RETRY),  # still at depo
    (Kind.DEACTIVATION, StatusAnswer("10201"), PackState.REFUSED),         # not in İTS at all
    (Kind.DEACTIVATION, None, PackState.RETRY),
    (Kind.CANCEL, StatusAnswer("60003", GLN), PackState.ACCEPTED),        # back in our stock
    (Kind.CANCEL, StatusAnswer("60000", GLN), PackState.RETRY),           # still deactive
])
def test_after_a_lost_answer_the_status_decides(kind, answer, state):
    assert decide_after_status(kind, answer, GLN).state is state


def test_a_final_state_never_changes():
    for final in (PackState.ACCEPTED, PackState.REFUSED, PackState.DROPPED):
        for other in PackState:
            with pytest.raises(RuleError):
                check_transition(final, other)
    check_transition(PackState.SENDING, PackState.UNKNOWN)
    with pytest.raises(RuleError):
        check_transition(PackState.UNKNOWN, PackState.SENDING)  # never resend without a status check


def test_batches_and_backoff():
    assert [len(b) for b in batches(list(range(2501)), 1000)] == [1000, 1000, 501]
    with pytest.raises(RuleError):
        batches([1], 0)
    assert [retry_delay_s(a, base_s=2) for a in (1, 2, 3, 20)] == [2, 4, 8, 300]


def test_the_confirmation_names_the_count():
    assert confirmation_phrase("deactivation", 87) == "87 kutuyu deaktive et"
    assert confirmation_phrase("expiry", 4) == "4 kutuyu deaktive et"
    assert confirmation_phrase("acceptance", 2) == "2 kutuyu teslim al"
    assert confirmation_phrase("cancel", 3) == "3 kutunun deaktivasyonunu iptal et"


def _gate(**kw):
    args = dict(kind="deactivation", reason_code="75", pack_count=87, recon_today=date(2025, 9, 1),
                today=date(2025, 9, 1), max_age_days=0, window=W75, is_pharmacist=True,
                confirmation="87 kutuyu deaktive et")
    args.update(kw)
    return [p.code for p in approval_problems(**args)]


@pytest.mark.parametrize("changes, codes", [
    ({}, []),
    ({"is_pharmacist": False}, ["not_pharmacist"]),                         # issue 6
    ({"confirmation": "86 kutuyu deaktive et"}, ["confirmation"]),
    ({"confirmation": " 87 kutuyu deaktive et "}, []),
    ({"recon_today": date(2025, 8, 31)}, ["stale_recon"]),                  # seed 000: İTS lags
    ({"recon_today": date(2025, 8, 31), "max_age_days": 1}, []),
    ({"recon_today": None}, ["no_recon"]),
    ({"today": date(2026, 11, 23), "recon_today": date(2026, 11, 23)}, ["window_closed"]),  # today
    ({"today": date(2025, 10, 24), "recon_today": date(2025, 10, 24)}, []),  # last day inclusive
    ({"today": date(2025, 7, 23), "recon_today": date(2025, 7, 23)}, ["window_closed"]),  # eve
    ({"pack_count": 0, "confirmation": "0 kutuyu deaktive et"}, ["empty"]),
    ({"kind": "acceptance", "reason_code": "", "window": None, "recon_today": None,
      "confirmation": "87 kutuyu teslim al"}, []),
])
def test_the_approval_gate(changes, codes):
    assert _gate(**changes) == codes


def test_the_closed_window_message_is_plain_turkish():
    probs = approval_problems(kind="deactivation", reason_code="75", pack_count=1,
                              recon_today=date(2026, 11, 23), today=date(2026, 11, 23),
                              max_age_days=0, window=W75, is_pharmacist=True,
                              confirmation="1 kutuyu deaktive et")
    assert probs[0].message == ("“75” deaktivasyon süresi kapalı (24.07.2025–24.10.2025); bugün "
                                "23.11.2026. Süre uzatılmadıkça bu kodla bildirim yapılamaz.")


def test_every_refusal_code_the_simulator_can_answer_says_what_the_pharmacist_can_do():
    # Issue 14 finding 4: refused packs are grouped by code with advice from the data file.
    import re
    from pathlib import Path

    from eczane.its import simulator
    from eczane.its.protocol import result_advice

    sim_codes = set(re.findall(r'"(\d{5})"', Path(simulator.__file__).read_text(encoding="utf-8")))
    refused = {c for c, (outcome, _) in result_codes().items() if outcome == "refused"}
    per_pack = {c for c in sim_codes & refused}
    assert {"10201", "10203", "10223", "10304", "75001", "75002", "75003"} <= per_pack
    advice = result_advice()
    assert refused <= set(advice), sorted(refused - set(advice))
    assert all(text.strip() and text[0].isupper() for text in advice.values())


@pytest.mark.parametrize("counts, tone, label", [
    ({"accepted": 0, "refused": 56, "dropped": 0}, "bad", "Reddedildi"),
    ({"accepted": 10, "refused": 2}, "warn", "Kısmen kabul edildi"),
    ({"accepted": 12, "refused": 0, "dropped": 1}, "ok", "Tamamlandı"),
    ({"accepted": 3, "pending": 1}, "", "Sürüyor"),
])
def test_the_outcome_colour_follows_the_outcome(counts, tone, label):
    from eczane.domain.notify import outcome

    o = outcome(counts)
    assert (o.tone, o.label) == (tone, label)
