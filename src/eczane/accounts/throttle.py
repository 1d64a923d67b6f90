"""Login throttling per account and per client address.

Two counters of consecutive failures, one keyed by the username as typed (known or not, so an
unknown name behaves exactly like a known one) and one by the client address. A login attempt:

1. ``reserve`` (one short write transaction): refused when either key is locked or still inside
   its growing delay; otherwise both counters are raised *before* the password is checked, so
   parallel guesses see each other's attempts at once.
2. the password is checked (scrypt, outside any transaction).
3. success → ``succeeded``: the account counter is cleared and the address counter given back
   its one; failure → the raised counters stand (and ``reserve`` already set a lock when the
   threshold was reached).

Policy (settings ``login_lockout_after`` = N, ``login_lockout_minutes`` = M): from the
``DELAY_AFTER``-th failure of an account on (the N-th of an address, which may be a whole
pharmacy behind one router), the next try must wait 1, 2, 4 … s (at most ``MAX_DELAY_S``) after
the last failure; the N-th failure of an account (5·N of an address) locks it for M minutes. Counters of
a key whose last failure is older than M minutes start again from zero. A pharmacist lifts an
account's lock on the Kullanıcılar page, the admin with ``eczane user unlock``.

References: OWASP Authentication Cheat Sheet, "Protect Against Automated Attacks" (account
lockout with an observation window, throttling per IP); NIST SP 800-63B §5.2.2 (rate limiting).

>>> wait_seconds(3, 3), wait_seconds(4, 3), wait_seconds(30, 3)
(1, 2, 60)
>>> wait_seconds(2, 3)
0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eczane.accounts.tables import login_throttle

DELAY_AFTER = 3
MAX_DELAY_S = 60
ADDRESS_FACTOR = 5


@dataclass(frozen=True)
class ThrottlePolicy:
    lockout_after: int
    lockout: timedelta

    @property
    def address_lockout_after(self) -> int:
        return self.lockout_after * ADDRESS_FACTOR


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before its password is checked."""

    kind: str
    """``"user"`` or ``"addr"``."""
    locked: bool
    retry_after_s: int

    @property
    def message(self) -> str:
        if self.locked:
            minutes = max(1, (self.retry_after_s + 59) // 60)
            who = "Bu hesap" if self.kind == "user" else "Bu bilgisayarın adresi"
            tail = (" Eczacınız Kullanıcılar sayfasından kilidi daha önce açabilir."
                    if self.kind == "user" else "")
            return (f"{who} çok fazla hatalı giriş denemesi nedeniyle kilitlendi; "
                    f"yaklaşık {minutes} dakika sonra yeniden deneyin.{tail}")
        return (f"Çok fazla hatalı giriş denemesi; {self.retry_after_s} saniye bekleyip "
                "yeniden deneyin.")


@dataclass(frozen=True)
class Reserved:
    """An attempt that may go on to the password check."""

    user_failures: int
    """The account counter including this attempt."""
    user_locked_now: bool
    addr_locked_now: bool
    addr_last_failure_at: datetime | None
    """The address's last failure before this attempt (given back on success)."""


def wait_seconds(failures: int, delay_after: int = DELAY_AFTER) -> int:
    """Seconds to wait after the last failure, when ``failures`` consecutive ones happened."""
    if failures < delay_after:
        return 0
    return int(min(MAX_DELAY_S, 2 ** (failures - delay_after)))


def _aware(ts: datetime | None) -> datetime | None:
    return ts if ts is None or ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _row(conn: Connection, kind: str, key: str):  # type: ignore[no-untyped-def]
    """The counter row, created if missing and locked for this transaction on PostgreSQL."""
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(ins(login_throttle).values(kind=kind, key=key, failures=0)
                 .on_conflict_do_nothing())
    q = select(login_throttle).where(login_throttle.c.kind == kind, login_throttle.c.key == key)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return conn.execute(q).one()


def _check(row, policy: ThrottlePolicy, now: datetime,  # type: ignore[no-untyped-def]
           delay_after: int) -> tuple[int, Refusal | None]:
    """The row's live failure count (0 after the window) and a refusal if it blocks."""
    locked_until = _aware(row.locked_until)
    if locked_until is not None and now < locked_until:
        return row.failures, Refusal(row.kind, True, int((locked_until - now).total_seconds()) + 1)
    last = _aware(row.last_failure_at)
    if last is None or now - last >= policy.lockout or locked_until is not None:
        return 0, None
    wait = wait_seconds(row.failures, delay_after)
    if wait and now < last + timedelta(seconds=wait):
        return row.failures, Refusal(row.kind, False, int((last + timedelta(seconds=wait) - now)
                                                         .total_seconds()) + 1)
    return row.failures, None


def reserve(conn: Connection, username_key: str, address: str, policy: ThrottlePolicy, *,
            now: datetime) -> Reserved | Refusal:
    """Step 1 (see the module docstring); call in a write transaction."""
    urow = _row(conn, "user", username_key)
    arow = _row(conn, "addr", address)
    ufail, urefusal = _check(urow, policy, now, DELAY_AFTER)
    afail, arefusal = _check(arow, policy, now, policy.lockout_after)
    if urefusal or arefusal:
        return urefusal or arefusal  # type: ignore[return-value]
    ufail, afail = ufail + 1, afail + 1
    ulock = ufail >= policy.lockout_after
    alock = afail >= policy.address_lockout_after
    for kind, key, n, lock in (("user", username_key, ufail, ulock),
                               ("addr", address, afail, alock)):
        conn.execute(update(login_throttle)
                     .where(login_throttle.c.kind == kind, login_throttle.c.key == key)
                     .values(failures=n, last_failure_at=now,
                             locked_until=now + policy.lockout if lock else None))
    return Reserved(ufail, ulock, alock, arow.last_failure_at if afail > 1 else None)


def succeeded(conn: Connection, username_key: str, address: str, reserved: Reserved) -> None:
    """Step 3 on success: the account starts afresh; the address gets its attempt back."""
    conn.execute(delete(login_throttle).where(login_throttle.c.kind == "user",
                                              login_throttle.c.key == username_key))
    conn.execute(update(login_throttle)
                 .where(login_throttle.c.kind == "addr", login_throttle.c.key == address,
                        login_throttle.c.failures > 0, login_throttle.c.locked_until.is_(None))
                 .values(failures=login_throttle.c.failures - 1,
                         last_failure_at=reserved.addr_last_failure_at))


def unlock(conn: Connection, kind: str, key: str) -> bool:
    """Lift a lock and forget the failures; True when there was something to lift."""
    res = conn.execute(delete(login_throttle).where(login_throttle.c.kind == kind,
                                                    login_throttle.c.key == key))
    return bool(res.rowcount)


def locked_until(conn: Connection, kind: str, key: str, *, now: datetime) -> datetime | None:
    row = conn.execute(select(login_throttle.c.locked_until).where(
        login_throttle.c.kind == kind, login_throttle.c.key == key)).first()
    until = _aware(row.locked_until) if row is not None else None
    return until if until is not None and until > now else None


def sweep(conn: Connection, policy: ThrottlePolicy, *, now: datetime) -> int:
    """Forget counters that no longer matter (their window passed, no lock running), so that
    guessed usernames do not pile up. Called at each successful login."""
    res = conn.execute(delete(login_throttle).where(
        login_throttle.c.last_failure_at < now - policy.lockout,
        (login_throttle.c.locked_until.is_(None)) | (login_throttle.c.locked_until < now)))
    return int(res.rowcount or 0)
