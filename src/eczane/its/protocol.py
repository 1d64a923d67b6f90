"""İTS web-service protocol: THE one module of assumptions, each with its source.

Everything our client and the bundled simulator believe about İTS is here, tagged as in
``research/its.md``: [C] confirmed (official document or ≥2 independent clients), [S] seen in one
client only, [I] our inference. Nothing here was tested against a live İTS. Code tables are data
(``eczane/data/its/*.yaml``), loaded by :func:`result_codes`, :func:`deactivation_reasons` and
:func:`notification_types`.

>>> deactivation_body("8680001000001", "75", [Item("08699536080007", "A1", "L1", "2027-01-31")])["ds"]
'75'
>>> is_success("0")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "data" / "its"

# --- transport ---------------------------------------------------------------------------------
PRODUCTION_URL = "https://its2.saglik.gov.tr"
"""REST host [C: ATK, NPI, SAN, REC, PHP agree] (research/its.md §1.1)."""
TEST_URL = "https://itstest2.saglik.gov.tr"
"""Test host [S: SAN commented-out code]."""

TOKEN_PATH = "/token/app/token/"
"""POST {username, password} → {token} [C] (§1.2). Lifetime undocumented: we fetch a token per
worker run and again on a 401 [I]."""
TOKEN_TTL_S = 50 * 60
"""We refresh after 50 minutes; one repo claims "1 saat" [S, unverified] (§1.2)."""

DEACTIVATION_PATH = "/common/app/deactivation/"
"""[C: NPI, SAN, REC identical] (§1.3)."""
DEACTIVATION_CANCEL_PATH = "/common/app/deactivationcancel/"
"""[S: PHP only; an earlier version of the same file says there is no such service] (§1.3). The
2025 process offers "deaktivasyon iptali" [C: TEIS25] but not its REST body: we send
``{"productList": [...]}`` [I]. Treat deactivation as irreversible until İTS confirms a cancel."""
ACCEPT_PATH = "/common/app/accept"
"""Mal alım. Path [C: ATK/NPI + PHP]; body ``{"productList": [...]}`` [S: ATK/NPI]; the receiver
is the token owner (§1.3)."""
CHECK_STATUS_PATH = "/reference/app/check_status"
"""Durum sorgulama: ``{"productList":[{gtin,sn}]}`` → ``responseObjectList[{gtin,sn,uc,gln1,gln2}]``
[S: ATK/NPI] (§1.3). Restricted for overuse since 20.03.2017 [C] (§1.6): we only ever ask about
the few packs whose answer was lost, never the whole stock."""
ERRORCODE_PATH = "/reference/app/errorcode"
"""``{}`` → ``errorCodeList[{code,message}]`` [S: ATK/NPI]."""

# --- fields ------------------------------------------------------------------------------------
SUCCESS = "00000"
"""Per-item ``uc`` for success [C: REC, SAN, NPI; WSK12]. Compare as an integer [I] (§1.3)."""
NOTIFICATION_ID_KEY = "notificationid"
"""Lower case [S/I: SAN reads it through a case-sensitive Dictionary] (§1.3). We also accept
``notificationId``."""
FAULT_CODE_KEY, FAULT_MESSAGE_KEY = "fc", "fm"
"""Request-level error: non-2xx with ``{"fc","fm"}`` [S: SAN], matching SOAP FC/FM [C: WSK12 §1.4]."""
MAX_BATCH = 1000
"""No official limit found; SAN pages at 1000 [S]; we cap at 1000 and default to
``Settings.its_batch_size`` (100) [I] (§1.3)."""
SN_BN_PATTERN = re.compile(r"^[A-Z0-9]{1,20}$")
"""SN and BN: ``[A-Z0-9]``, 1–20 characters [C: SAN WSDL; WSK12 §7.2]."""
GLN_PATTERN = re.compile(r"^\d{13}$")
USERNAME_RULE = "Kullanıcı adının ilk 13 hanesi GLN ile aynı olmalıdır (11039)"
"""[C: LOGO error dictionary] (§1.1)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One pack in a ``productList``: ``{"gtin","sn","bn","xd"}`` [C] (§1.3); xd is yyyy-MM-dd."""

    gtin: str
    sn: str
    bn: str = ""
    xd: str = ""

    def as_json(self) -> dict[str, str]:
        return {"gtin": self.gtin, "sn": self.sn, "bn": self.bn, "xd": self.xd}


def token_body(username: str, password: str) -> dict[str, str]:
    return {"username": username, "password": password}


def deactivation_body(gln: str, ds: str, items: list[Item], description: str = "") -> dict[str, Any]:
    """``{"dt":"D","frGln","ds","description","document":{"dd":"","dn":""},"productList"}``
    [C: NPI, SAN, REC identical; SAN sends dd/dn as ""] (§1.3). ds is exactly 2 characters [C]."""
    if len(ds) != 2:
        raise ValueError(f"ds must be 2 characters, got {ds!r}")
    return {"dt": "D", "frGln": gln, "ds": ds, "description": description[:100],
            "document": {"dd": "", "dn": ""}, "productList": [i.as_json() for i in items]}


def accept_body(items: list[Item]) -> dict[str, Any]:
    return {"productList": [i.as_json() for i in items]}


def cancel_body(items: list[Item]) -> dict[str, Any]:
    return {"productList": [i.as_json() for i in items]}


def check_status_body(keys: list[tuple[str, str]]) -> dict[str, Any]:
    return {"productList": [{"gtin": g, "sn": s} for g, s in keys]}


def is_success(uc: str) -> bool:
    code = str(uc).strip()
    return code.isdigit() and int(code) == 0


def parse_notification(body: dict[str, Any]) -> tuple[str, dict[tuple[str, str], str]]:
    """→ (notification id, {(gtin, sn): uc}). Missing items are simply absent from the map."""
    nid = body.get(NOTIFICATION_ID_KEY, body.get("notificationId", ""))
    out: dict[tuple[str, str], str] = {}
    for row in body.get("productList") or []:
        out[(str(row.get("gtin", "")), str(row.get("sn", "")))] = str(row.get("uc", "")).zfill(5)
    return str(nid or ""), out


def parse_check_status(body: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str, str]]:
    """→ {(gtin, sn): (uc, gln1, gln2)} from ``responseObjectList`` [S: ATK/NPI]."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    for row in body.get("responseObjectList") or []:
        out[(str(row.get("gtin", "")), str(row.get("sn", "")))] = (
            str(row.get("uc", "")).zfill(5), str(row.get("gln1") or ""), str(row.get("gln2") or ""))
    return out


# --- code tables (data) ------------------------------------------------------------------------
def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@cache
def result_codes() -> dict[str, tuple[str, str]]:
    """code → (outcome, Turkish text) from ``result_codes.yaml``."""
    return {str(c["code"]): (str(c["outcome"]), str(c["text"]))
            for c in _load("result_codes.yaml")["codes"]}


@cache
def result_advice() -> dict[str, str]:
    """code → what the pharmacist can do about a refused pack (``advice`` in the data file)."""
    return {str(c["code"]): str(c["advice"]) for c in _load("result_codes.yaml")["codes"]
            if c.get("advice")}


def result_text(code: str) -> str:
    return result_codes().get(code, ("refused", f"Bilinmeyen İTS kodu {code}"))[1]


@cache
def deactivation_reasons() -> dict[str, dict[str, str]]:
    """ds code → {text, source, window?} from ``deactivation_reasons.yaml``."""
    return {str(r["code"]): {k: str(v) for k, v in r.items()}
            for r in _load("deactivation_reasons.yaml")["reasons"]}


@cache
def notification_types() -> dict[str, dict[str, Any]]:
    """kind → {label, path, default_reason, target_status, irreversible, source}."""
    types: dict[str, dict[str, Any]] = _load("notification_types.yaml")["types"]
    return types
