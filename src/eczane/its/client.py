"""HTTP client for İTS (REST/JSON, bearer token), honest about what it does not know.

A boundary error carries the bits the caller acts on (STYLE §3):

- ``ItsError.permanent``: İTS refused the whole request (4xx with ``fc``/``fm``); do not retry.
- ``ItsError.maybe_committed``: we sent a notification and got no usable answer (timeout,
  dropped connection, 5xx). İTS may have committed it. The outbox must ask İTS about exactly
  those packs before anything is sent again.

Retry policy lives here, in the transport: read-only calls (token, check_status) are retried on
timeouts, dropped connections and 5xx; a notification is retried only when the request provably
never left (connection refused). Passwords never appear in logs, reprs or error messages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from eczane.its import protocol as p
from eczane.its.credentials import ItsCredentials


class ItsError(Exception):
    def __init__(self, message: str, *, permanent: bool, maybe_committed: bool = False,
                 code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.maybe_committed = maybe_committed
        self.code = code
        self.status = status


class ItsLoginRefused(ItsError):
    """İTS refused the pharmacy's GLN, user name or password (the token request answered 401 or
    403): the same credentials cannot succeed later and repeated failed logins may get the İTS
    account locked, so the sender stops for this pharmacy until the pharmacist saves new ones
    (``eczane.its.outbox.Worker``)."""


@dataclass(frozen=True)
class NotificationResult:
    notification_id: str
    codes: dict[tuple[str, str], str]
    """(gtin, sn) → uc; a pack missing from İTS's answer is missing here too."""


class ItsClient:
    """One pharmacy's connection to İTS (or the simulator)."""

    def __init__(self, base_url: str, credentials: ItsCredentials, *, timeout_s: float = 30.0,
                 read_retries: int = 3, backoff_s: float = 0.2,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.credentials = credentials
        self.read_retries = read_retries
        self.backoff_s = backoff_s
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  transport=transport, headers={"Accept": "application/json"})
        self._token: str | None = None
        self._token_at = 0.0

    def __repr__(self) -> str:
        return f"ItsClient({self._http.base_url}, {self.credentials.username})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ItsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- operations ------------------------------------------------------------------------
    def deactivate(self, ds: str, items: list[p.Item], description: str = "") -> NotificationResult:
        body = p.deactivation_body(self.credentials.gln, ds, items, description)
        return self._notify(p.DEACTIVATION_PATH, body)

    def accept(self, items: list[p.Item]) -> NotificationResult:
        return self._notify(p.ACCEPT_PATH, p.accept_body(items))

    def cancel_deactivation(self, items: list[p.Item]) -> NotificationResult:
        """Deaktivasyon iptali [S] (protocol.DEACTIVATION_CANCEL_PATH). Only a 00000 per pack
        means the pack is back; anything else leaves it deactivated."""
        return self._notify(p.DEACTIVATION_CANCEL_PATH, p.cancel_body(items))

    def check_status(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str, str]]:
        """Status of exactly these packs (never the whole stock: research/its.md §1.6)."""
        if len(keys) > p.MAX_BATCH:
            raise ValueError("check_status is for the few packs whose answer was lost")
        body = self._read(p.CHECK_STATUS_PATH, p.check_status_body(keys))
        return p.parse_check_status(body)

    def error_codes(self) -> dict[str, str]:
        body = self._read(p.ERRORCODE_PATH, {})
        return {str(r.get("code")): str(r.get("message")) for r in body.get("errorCodeList") or []}

    def ensure_token(self) -> None:
        """Log in now (before a notification is marked as sending)."""
        self._auth()

    # --- transport -------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        if self._token is None or time.monotonic() - self._token_at > p.TOKEN_TTL_S:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _fetch_token(self) -> None:
        body = p.token_body(self.credentials.username, self.credentials.password)
        r = self._with_read_retries(lambda: self._http.post(p.TOKEN_PATH, json=body))
        if r.status_code != 200:
            raise _fault(r, "İTS oturum açma",
                         ItsLoginRefused if r.status_code in (401, 403) else ItsError)
        token = r.json().get("token")
        if not token:
            raise ItsError("İTS oturum anahtarı (token) dönmedi.", permanent=True)
        self._token, self._token_at = str(token), time.monotonic()

    def _with_read_retries(self, call: Any) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(self.read_retries + 1):
            try:
                r: httpx.Response = call()
            except httpx.TransportError as exc:
                last = exc
            else:
                if r.status_code < 500:
                    return r
                last = ItsError(f"İTS {r.status_code} döndü", permanent=False, status=r.status_code)
            time.sleep(self.backoff_s * (2 ** attempt))
        if isinstance(last, ItsError):
            raise last
        raise ItsError(f"İTS'ye ulaşılamadı: {type(last).__name__}", permanent=False) from last

    def _read(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self._with_read_retries(lambda: self._http.post(path, json=body, headers=self._auth()))
        if r.status_code == 401:
            self._token = None
            r = self._with_read_retries(lambda: self._http.post(path, json=body, headers=self._auth()))
        if r.status_code != 200:
            raise _fault(r, path)
        data: dict[str, Any] = r.json()
        return data

    def _notify(self, path: str, body: dict[str, Any]) -> NotificationResult:
        headers = self._auth()
        for attempt in range(self.read_retries + 1):
            try:
                r = self._http.post(path, json=body, headers=headers)
            except httpx.ConnectError as exc:
                # Nothing reached İTS: safe to try again.
                if attempt == self.read_retries:
                    raise ItsError(f"İTS'ye bağlanılamadı: {exc.__class__.__name__}",
                                   permanent=False) from exc
                time.sleep(self.backoff_s * (2 ** attempt))
                continue
            except httpx.TransportError as exc:
                raise ItsError(f"İTS yanıtı alınamadı ({exc.__class__.__name__}); bildirim "
                               "işlenmiş olabilir, kutular sorgulanacak.", permanent=False,
                               maybe_committed=True) from exc
            if r.status_code == 401 and attempt == 0:
                self._token = None
                headers = self._auth()
                continue
            break
        if r.status_code >= 500:
            raise ItsError(f"İTS {r.status_code} döndü; bildirim işlenmiş olabilir, kutular "
                           "sorgulanacak.", permanent=False, maybe_committed=True,
                           status=r.status_code)
        if r.status_code == 429:
            raise ItsError("İTS istek sınırı aşıldı; sonra tekrar denenecek.", permanent=False,
                           status=429)
        if r.status_code != 200:
            raise _fault(r, path)
        try:
            nid, codes = p.parse_notification(r.json())
        except ValueError as exc:
            raise ItsError("İTS yanıtı okunamadı; kutular sorgulanacak.", permanent=False,
                           maybe_committed=True) from exc
        return NotificationResult(nid, codes)


def _fault(r: httpx.Response, what: str, kind: type[ItsError] = ItsError) -> ItsError:
    try:
        body = r.json()
    except ValueError:
        body = {}
    fc = str(body.get(p.FAULT_CODE_KEY, "") or "")
    fm = str(body.get(p.FAULT_MESSAGE_KEY, "") or "") or p.result_text(fc) if fc else ""
    text = f"İTS isteği reddetti ({what}, HTTP {r.status_code})" + (f": {fc} {fm}" if fc else "")
    return kind(text, permanent=r.status_code not in (408, 429), code=fc, status=r.status_code)
