"""Audit events of the accounts slice: stable names, Turkish labels, and one way to append.

Every event carries a Turkish ``açıklama`` (what a pharmacist reads on the Denetim kaydı page)
beside machine fields (``username``, ``address``…). An event about a user goes to the chain of
that user's pharmacy. A failed login for a username that does not exist belongs to no pharmacy:
it is counted in ``login_throttle`` and written to the server log (logger ``eczane.accounts``),
not to any pharmacy's chain; so are the events of chamber staff and of the installation admin
(accounts of no pharmacy).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from eczane.store.audit import append_event
from eczane.store.db import act_in_transaction

log = logging.getLogger("eczane.accounts")

EVENT_LABELS = {
    "accounts.login": "Giriş yapıldı",
    "accounts.login_failed": "Hatalı giriş denemesi",
    "accounts.locked": "Hesap kilitlendi (çok fazla hatalı giriş)",
    "accounts.unlocked": "Hesap kilidi açıldı",
    "accounts.logout": "Çıkış yapıldı",
    "accounts.sessions_ended": "Oturumlar kapatıldı",
    "accounts.password_changed": "Kullanıcı kendi parolasını değiştirdi",
    "accounts.password_reset": "Kullanıcının parolası sıfırlandı",
    "accounts.user_created": "Kullanıcı eklendi",
    "accounts.user_disabled": "Kullanıcı devre dışı bırakıldı",
    "accounts.user_enabled": "Kullanıcı yeniden etkinleştirildi",
    "accounts.role_changed": "Kullanıcının rolü değiştirildi",
    "accounts.pharmacy_created": "Eczane kaydı oluşturuldu",
    "accounts.chamber_created": "Oda kaydı oluşturuldu",
}
"""Turkish words for the event names (merged into the Denetim kaydı page's labels)."""

ADMIN = "kurulum yöneticisi (komut satırı)"


def record(conn: Connection, pharmacy_id: int | None, actor_id: int | None, event: str,
           description: str, **fields: Any) -> None:
    """Append one accounts event in the caller's transaction (and log it); an event of an
    account of no pharmacy (oda, admin) is only logged."""
    assert event in EVENT_LABELS, event
    payload: Mapping[str, Any] = {"açıklama": description, **fields}
    if pharmacy_id is not None:
        # Installation-wide account work (``eczane pharmacy add``, ``eczane user …``) acts for
        # the pharmacy it records for; a request acting for another pharmacy is refused.
        act_in_transaction(conn, pharmacy_id)
        append_event(conn, pharmacy_id, actor_id, event, payload)
    log.info("%s pharmacy=%s actor=%s %s", event, pharmacy_id, actor_id, description)
