"""A real sent notification for the evidence-pack tests (issue 16 part 4).

The demo pharmacy's catalog and count, its İTS stock imported from a real XLSX file (written the
way İTS's "Stok İndir" gives it), a reconciliation, a deactivation (75) draft approved with the
typed phrase and sent by the outbox worker to the İTS simulator loaded with the same packs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eczane.domain.notify import confirmation_phrase
from eczane.its.credentials import ItsCredentials, save_credentials
from eczane.its.outbox import Worker
from eczane.its.service import approve_submission, create_from_reconciliation, progress
from eczane.its.simulator import DEMO_PASSWORD, SimulatorServer
from eczane.store.demo import DEMO_GLN
from eczane.store.users import get_user
from tests.importers.files import write_xlsx
from tests.its.conftest import OPEN_DAY
from tests.its.helpers import demo_simulator_state

HEADER = ["GTIN", "Seri No", "SKT", "Parti No", "Ürün Adı", "Son İşlem Tarihi"]


@dataclass
class Sent:
    submission_id: int
    recon_id: int
    snapshot_sha256: str
    xlsx: Path
    server: SimulatorServer


def its_stock_xlsx(path: Path) -> Path:
    from eczane.demo_data import demo_pharmacy

    rows: list[list[Any]] = [HEADER]
    rows += [[p.gtin, p.serial, p.expiry, p.batch, p.product_name, p.last_tx_date]
             for p in demo_pharmacy(OPEN_DAY).its_packs]
    return write_xlsx(path, rows)


def send_notification(db: Any, settings: Any, pharmacy_id: int, user_id: int,
                      tmp_path: Path) -> Sent:
    """Import, count, reconcile, draft, approve, send; the simulator is left running."""
    import eczane.store.catalog as cat
    import eczane.store.count  # noqa: F401 - registers the demo count
    from eczane.demo_data import demo_pharmacy
    from eczane.domain.reconcile import InTransitPack
    from eczane.store.demo import DEMO_SEEDERS
    from eczane.store.reconcile import replace_in_transit, run_reconciliation

    server = SimulatorServer(demo_simulator_state(OPEN_DAY)).start()
    s = settings.with_(its_url=server.url, its_batch_size=5)
    xlsx = its_stock_xlsx(tmp_path / "İTS Stok 01.09.2025.xlsx")
    with db.begin() as conn:
        for seeder in list(DEMO_SEEDERS):  # the demo catalog and count (and an older snapshot)
            if seeder.__module__.startswith("eczane.store."):
                seeder(conn, pharmacy_id, OPEN_DAY)
        summary = cat.import_its_stock(conn, pharmacy_id, xlsx, today=OPEN_DAY, user_id=user_id,
                                       data_dir=s.data_dir)
        assert not summary.already_imported and summary.row_count > 0
        replace_in_transit(conn, pharmacy_id, [
            InTransitPack(p.gtin, p.serial, p.expiry, p.batch, kind, sender)
            for p, kind, sender in demo_pharmacy(OPEN_DAY).in_transit])
        rid = int(run_reconciliation(conn, pharmacy_id, today=OPEN_DAY, user_id=user_id))
        save_credentials(conn, pharmacy_id, ItsCredentials(DEMO_GLN, DEMO_GLN + "0000",
                                                           DEMO_PASSWORD),
                         s.resolved_secret_key())
        alice = get_user(conn, user_id)
        sid = create_from_reconciliation(conn, alice, "deactivation")
        n = progress(conn, sid)["total"]
        res = approve_submission(conn, sid, user=alice, today=OPEN_DAY, settings=s,
                                 confirmation=confirmation_phrase("deactivation", n))
    assert res.ok, res.problems
    Worker(db, s, today=OPEN_DAY, retry_base_s=0.01).run(submission_id=sid, max_seconds=30)
    with db.connect() as conn:
        assert progress(conn, sid)["done"]
    return Sent(sid, rid, summary.sha256, xlsx, server)
