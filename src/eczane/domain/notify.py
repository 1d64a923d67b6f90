"""Outbox decisions for İTS notifications: pure, no I/O, no clock.

Sending to İTS is the one step that cannot be taken back (seed 000: "Deaktivasyon işlemleri geri
alınamaz"). Each pack of a submission moves through a small state machine::

    pending ──► sending ──► accepted            (İTS answered uc=00000, or a status query
       │          │                              shows the pack already in the target state)
       │          ├──► refused                  (İTS answered a permanent code: its reason kept)
       │          ├──► retry ──► sending        (transient code; sent again later)
       │          └──► unknown ─► (status query) accepted | retry | refused
       └──► dropped                              (counted on hand after the reconciliation)

``unknown`` is what a timeout, a dropped response or a 5xx leaves: İTS may or may not have
committed. Such packs are never re-sent before a narrow status query for exactly those packs
(research/its.md §1.6: never loop the status service over the whole stock).

>>> confirmation_phrase("deactivation", 87)
'87 kutuyu deaktive et'
>>> [len(b) for b in batches(list(range(7)), 3)]
[3, 3, 1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from eczane.domain.errors import RuleError
from eczane.domain.formatting import date_tr

T = TypeVar("T")

SUCCESS = "00000"
"""research/its.md §1.3: per-item ``uc`` "00000" means success [C: REC, SAN, NPI]."""


class Kind(StrEnum):
    """What a submission asks İTS to do (seed 000 steps 1, 2 and 4)."""

    DEACTIVATION = "deactivation"
    """Stok eşitleme, reason 75 (or another deactivation reason). Irreversible."""
    EXPIRY = "expiry"
    """Miadı dolanlar: a deactivation with reason 40 "Miat sebebiyle imha". Irreversible.

    What this flow is, decided from the sources (issue 14 finding 3; card, detail page, phrase
    and pack list all say this):

    - It is an İTS deactivation: the packs leave the pharmacy's İTS stock for good. Seed 000
      step 2 sends them with exit type "miadı dolanlar"; the İTS code for that exit is 40 "Miat
      sebebiyle imha" [C: DEL, NPI in research/its.md §3]; which call the vendor screen makes is
      not documented, so reason 40 is our inference (research/its.md §5.3,
      ``data/its/notification_types.yaml``). Seed 000: "Deaktivasyon işlemleri geri alınamaz",
      and no cancel exists for 40 (the 2025 cancel is tied to 75, TEIS25, research/its.md §3),
      so the phrase is "<n> kutuyu deaktive et" and no cancel draft is offered.
    - Seed 000's "stoktan düş seçeneğinin işaretli olmadığından emin olarak" is about the
      pharmacy program's own stock (the count resets it afterwards, seed 000 step 3), not İTS
      (DOMAIN.md Part 1 step 2).
    - The list is İTS's expired packs, on the shelf or not: an expired pack found in the count
      is exactly what one reports, then sets aside for the oda's atık ilaç / imha process
      (DOMAIN.md Part 1 step 2; research/its.md §5.3). So a counted pack is never dropped from
      this flow (``service.drop_counted``) and the pack list marks which ones are on the shelf.
    """
    ACCEPTANCE = "acceptance"
    """Arada kalan mal alım: ``/common/app/accept`` (research/its.md §1.3, §5.4)."""
    CANCEL = "cancel"
    """Deaktivasyon iptali of packs we deactivated, while the reason's window is open
    (TEIS25: "75 – Stok Eşitleme deaktivasyon kodu ve buna bağlı deaktivasyon iptali imkânı")."""

    @property
    def is_deactivation(self) -> bool:
        return self in (Kind.DEACTIVATION, Kind.EXPIRY)

    @property
    def has_window(self) -> bool:
        """Bound to its reason's window (75): a deactivation and its cancel."""
        return self is not Kind.ACCEPTANCE

    @property
    def label_tr(self) -> str:
        return {Kind.DEACTIVATION: "Stok eşitleme (deaktivasyon)", Kind.EXPIRY: "Miadı dolanlar",
                Kind.ACCEPTANCE: "Arada kalan mal alım", Kind.CANCEL: "Deaktivasyon iptali"}[self]


class PackState(StrEnum):
    """Where one pack of a submission stands."""

    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    RETRY = "retry"
    UNKNOWN = "unknown"
    DROPPED = "dropped"

    @property
    def is_final(self) -> bool:
        return self in (PackState.ACCEPTED, PackState.REFUSED, PackState.DROPPED)

    @property
    def label_tr(self) -> str:
        return _STATE_TR[self]


_STATE_TR = {
    PackState.PENDING: "Gönderilmeyi bekliyor",
    PackState.SENDING: "Gönderiliyor",
    PackState.ACCEPTED: "İTS kabul etti",
    PackState.REFUSED: "İTS reddetti",
    PackState.RETRY: "Tekrar denenecek",
    PackState.UNKNOWN: "Sonuç bilinmiyor, İTS'ye soruluyor",
    PackState.DROPPED: "Çıkarıldı (sayımda bulundu)",
}

TRANSITIONS: Mapping[PackState, frozenset[PackState]] = {
    PackState.PENDING: frozenset({PackState.SENDING, PackState.DROPPED}),
    PackState.RETRY: frozenset({PackState.SENDING, PackState.DROPPED, PackState.ACCEPTED,
                                PackState.REFUSED}),
    PackState.SENDING: frozenset({PackState.ACCEPTED, PackState.REFUSED, PackState.RETRY,
                                  PackState.UNKNOWN}),
    PackState.UNKNOWN: frozenset({PackState.ACCEPTED, PackState.REFUSED, PackState.RETRY}),
    PackState.ACCEPTED: frozenset(),
    PackState.REFUSED: frozenset(),
    PackState.DROPPED: frozenset(),
}
"""Allowed moves. A final state never changes: a deactivated pack is never sent again."""


def check_transition(old: PackState, new: PackState) -> None:
    """Raise ``RuleError`` for a move the state machine does not allow."""
    if new not in TRANSITIONS[old]:
        raise RuleError(f"Kutu durumu {old.label_tr!r} → {new.label_tr!r} geçişi yapılamaz.",
                        code="bad_transition")


DEACTIVE = "60000"
"""check_status / result code "Ürün deaktif" (research/its.md §2)."""
IN_PHARMACY = "60003"
"""check_status code "Ürün eczanede" (research/its.md §2)."""


@dataclass(frozen=True, slots=True)
class PackDecision:
    """What to record for one pack after an İTS answer."""

    state: PackState
    code: str
    text: str


def decide_result(uc: str, outcomes: Mapping[str, tuple[str, str]], *,
                  kind: Kind = Kind.DEACTIVATION, sent_before: bool = False) -> PackDecision:
    """Map a per-pack result code to the pack's next state.

    Args:
        uc: the 5-character code İTS returned for the pack.
        outcomes: code → (outcome, Turkish text) from ``data/its/result_codes.yaml``; outcome is
            ``success``, ``refused``, ``retry`` or ``status``.

        kind, sent_before: a deactivation answered 60000 "Ürün deaktif" for a pack we had sent
            before with no usable answer is accepted: our earlier request landed late.

    Returns:
        accepted for success (compared as an integer: research/its.md §1.3 notes clients that
        strip leading zeros), retry for a transient code, refused for anything else, including
        a code we do not know (a pack is never retried on a guess).
    """
    code = uc.strip()
    if kind.is_deactivation and sent_before and code == DEACTIVE:
        return PackDecision(PackState.ACCEPTED, code,
                            "İTS'de zaten deaktif: yanıtı alınamayan önceki gönderim işlenmiş")
    outcome, text = outcomes.get(code, ("refused", f"Bilinmeyen İTS sonuç kodu {code}"))
    if code.isdigit() and int(code) == 0:
        return PackDecision(PackState.ACCEPTED, SUCCESS, outcomes.get(SUCCESS, ("", "Başarılı"))[1])
    if outcome == "retry":
        return PackDecision(PackState.RETRY, code, text)
    return PackDecision(PackState.REFUSED, code, text)


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """One row of İTS's check_status answer (research/its.md §1.3, §1.6)."""

    uc: str
    gln1: str = ""
    """The GLN the pack is registered to ("Kayıtlı", research/its.md §1.6 [S])."""




def decide_after_status(kind: Kind, answer: StatusAnswer | None, own_gln: str) -> PackDecision:
    """After a lost answer: has İTS already done what we asked for this pack?

    A deactivation is done when the status is 60000 "Ürün deaktif"; an acceptance when the status
    is 60003 "Ürün eczanede" registered to our GLN (research/its.md §2, §1.6). Otherwise the pack
    goes back to ``retry`` and is sent again; İTS itself refuses a duplicate, so the worst case
    of a wrong guess here is a refusal, never a second deactivation.
    """
    if answer is None:
        return PackDecision(PackState.RETRY, "", "İTS durum sorgusunda ürün dönmedi")
    code = answer.uc.strip()
    if kind.is_deactivation and code == DEACTIVE:
        return PackDecision(PackState.ACCEPTED, SUCCESS,
                            "İTS'de deaktif görünüyor (yanıt kaybolmuştu, durum sorgusuyla doğrulandı)")
    if kind in (Kind.ACCEPTANCE, Kind.CANCEL) and code == IN_PHARMACY and answer.gln1 == own_gln:
        return PackDecision(PackState.ACCEPTED, SUCCESS,
                            "İTS'de üzerinize kayıtlı (yanıt kaybolmuştu, durum sorgusuyla doğrulandı)")
    if code == "10201":
        return PackDecision(PackState.REFUSED, code, "Belirtilen ürün sistemimizde kayıtlı değildir")
    return PackDecision(PackState.RETRY, code, "İşlem İTS'de görünmüyor; tekrar gönderilecek")


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    """Split into batches of at most ``size`` (research/its.md §1.3: no official limit; ≤1000 [I])."""
    if size < 1:
        raise RuleError(f"Paket büyüklüğü en az 1 olmalı, {size} verildi.", code="bad_batch_size")
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def retry_delay_s(attempts: int, *, base_s: float = 2.0, cap_s: float = 300.0) -> float:
    """Exponential backoff for a pack in ``retry``: 2, 4, 8 … seconds, at most ``cap_s``."""
    return float(min(cap_s, base_s * (2 ** max(0, attempts - 1))))


def confirmation_phrase(kind: str, count: int) -> str:
    """The sentence the pharmacist must type, naming the exact count (issue 6)."""
    if Kind(kind) is Kind.ACCEPTANCE:
        return f"{count} kutuyu teslim al"
    if Kind(kind) is Kind.CANCEL:
        return f"{count} kutunun deaktivasyonunu iptal et"
    return f"{count} kutuyu deaktive et"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a submission may not be approved or sent: machine code and Turkish sentence."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Window:
    """A deactivation window as far as the gate needs it (data: ``eczane.windows``)."""

    code: str
    open_from: date | None
    """None: not known, so never open."""
    open_until: date | None
    """Inclusive; None: no end announced."""

    def is_open(self, today: date) -> bool:
        if self.open_from is None or today < self.open_from:
            return False
        return self.open_until is None or today <= self.open_until


def approval_problems(*, kind: str, reason_code: str, pack_count: int, recon_today: date | None,
                      today: date, max_age_days: int, window: Window | None,
                      is_pharmacist: bool, confirmation: str) -> list[Problem]:
    """Everything that stops an approval; empty means it may be approved.

    Rules (issue 6; seed 000 step 4 "sabah eczane açılır açılmaz" since İTS may lag):
    only a pharmacist approves; a deactivation needs a reconciliation at most ``max_age_days``
    old (0 = the same day); a reason with a window (75) needs the window open on ``today``;
    the typed confirmation must equal :func:`confirmation_phrase` exactly.
    """
    found: list[Problem] = []
    k = Kind(kind)
    if not is_pharmacist:
        found.append(Problem("not_pharmacist", "Bildirimi yalnızca eczacı onaylayabilir."))
    if pack_count == 0:
        found.append(Problem("empty", "Gönderilecek kutu yok."))
    if k.is_deactivation:
        if recon_today is None:
            found.append(Problem("no_recon", "Deaktivasyon için önce bir karşılaştırma yapılmalı."))
        elif (today - recon_today).days > max_age_days:
            found.append(Problem(
                "stale_recon",
                f"Karşılaştırma {date_tr(recon_today)} tarihli; en fazla "
                f"{max_age_days} gün eski olabilir. İTS stokunu bugün yeniden indirip "
                "karşılaştırın (İTS geriden gelebilir)."))
    problems_window = window_problems(reason_code, today, window)
    found.extend(problems_window)
    expected = confirmation_phrase(kind, pack_count)
    if confirmation.strip() != expected:
        found.append(Problem("confirmation",
                             f"Onay metni tutmuyor: tam olarak “{expected}” yazın."))
    return found


def window_problems(reason_code: str, today: date, window: Window | None) -> list[Problem]:
    """A reason code tied to a window (75) may only be sent while it is open (TEIS25, SAMSUN)."""
    if window is None:
        return []
    if window.is_open(today):
        return []
    return [Problem(
        "window_closed",
        f"“{reason_code}” deaktivasyon süresi kapalı ({date_tr(window.open_from, 'bilinmiyor')}–"
        f"{date_tr(window.open_until, 'bilinmiyor')}); bugün {date_tr(today)}. Süre uzatılmadıkça "
        "bu kodla bildirim yapılamaz.")]


@dataclass(frozen=True, slots=True)
class Drift:
    """How a draft differs from what the latest reconciliation (with the count and the keep-outs
    since) would send today (issue 14 finding 2: what the pharmacist confirms is what is sent).

    >>> d = draft_drift({("A", "1"), ("A", "2")}, {("A", "2"), ("B", "3")}, 4, 4)
    >>> (d.outdated, sorted(d.added), sorted(d.removed), d.current_count)
    (True, [('B', '3')], [('A', '1')], 2)
    >>> draft_drift({("A", "1")}, {("A", "1")}, 4, 4).outdated
    False
    """

    added: frozenset[tuple[str, str]]
    """Packs the draft lacks (e.g. a pack put back on the list, a new reconciliation)."""
    removed: frozenset[tuple[str, str]]
    """Packs the draft holds that would no longer be sent (kept out, counted, reconciled away)."""
    draft_recon_id: int | None
    current_recon_id: int | None
    current_count: int

    @property
    def recon_changed(self) -> bool:
        return self.draft_recon_id != self.current_recon_id

    @property
    def outdated(self) -> bool:
        return bool(self.added or self.removed or self.recon_changed)

    @property
    def message(self) -> str:
        """One Turkish sentence: what changed and what to do."""
        parts = []
        if self.recon_changed and self.current_recon_id is not None:
            parts.append(f"yeni karşılaştırma #{self.current_recon_id} yapıldı")
        if self.removed:
            parts.append(f"{len(self.removed)} kutu artık listede değil (sayımda bulundu veya "
                         "listeden çıkarıldı)")
        if self.added:
            parts.append(f"{len(self.added)} kutu listeye eklendi")
        what = "; ".join(parts) or "liste değişti"
        return (f"Bu taslak güncel değil: {what}. Onaylanamaz; taslağı yenileyin "
                f"(güncel liste {self.current_count} kutu).")


def draft_drift(draft_keys: set[tuple[str, str]] | frozenset[tuple[str, str]],
                current_keys: set[tuple[str, str]] | frozenset[tuple[str, str]],
                draft_recon_id: int | None, current_recon_id: int | None) -> Drift:
    """Compare a draft's pending packs with today's candidates for the same flow."""
    return Drift(frozenset(current_keys - draft_keys), frozenset(draft_keys - current_keys),
                 draft_recon_id, current_recon_id, len(current_keys))


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a submission ended, for colours and words that follow the result (finding 4).

    ``tone`` is ``ok`` (all accepted), ``warn`` (some refused), ``bad`` (none accepted) or
    ``''`` (not finished).

    >>> outcome({"accepted": 0, "refused": 5, "dropped": 0}).tone
    'bad'
    >>> outcome({"accepted": 3, "refused": 2}).label
    'Kısmen kabul edildi'
    """

    tone: str
    label: str
    message: str


def outcome(counts: Mapping[str, int]) -> Outcome:
    """The outcome of a submission from its per-state pack counts."""
    acc = counts.get(PackState.ACCEPTED.value, 0)
    ref = counts.get(PackState.REFUSED.value, 0)
    dropped = counts.get(PackState.DROPPED.value, 0)
    open_ = sum(n for s, n in counts.items() if not PackState(s).is_final)
    if open_:
        return Outcome("", "Sürüyor", f"{open_} kutunun sonucu bekleniyor.")
    if ref and not acc:
        return Outcome("bad", "Reddedildi",
                       f"İTS kutuların hiçbirini kabul etmedi: {ref} kutu reddedildi. "
                       "Nedenleri ve yapabilecekleriniz aşağıda.")
    if ref:
        return Outcome("warn", "Kısmen kabul edildi",
                       f"{acc} kutu İTS tarafından kabul edildi, {ref} kutu reddedildi. "
                       "Reddedilenlerin nedenleri ve yapabilecekleriniz aşağıda.")
    if acc:
        return Outcome("ok", "Tamamlandı", f"Tüm kutular İTS tarafından kabul edildi ({acc} kutu).")
    return Outcome("", "Tamamlandı",
                   f"Gönderilecek kutu kalmadı ({dropped} kutu gönderilmeden çıkarıldı).")
