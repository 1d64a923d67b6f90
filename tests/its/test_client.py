"""The client against the simulator over loopback HTTP: protocol, result codes, law rules."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from eczane.its import protocol as p
from eczane.its.client import ItsClient, ItsError
from eczane.its.credentials import ItsCredentials
from tests.its.conftest import GLN, GTINS, admin, client, make_packs


def items(rows):
    return [p.Item(r["gtin"], r["sn"], r["bn"], r["xd"]) for r in rows]


def test_a_batch_can_partly_succeed_with_a_code_per_pack(sim):
    # research/its.md §1.3: each item gets its own uc, so one request can partially succeed.
    ok = make_packs(2)
    late = make_packs(1, prefix="LATE", last_tx="2025-04-01")           # after 15.03.2025 (seed 000)
    red = [dict(make_packs(1, prefix="RED")[0], gtin=GTINS[6])]          # morfin demo: kırmızı reçete
    other = make_packs(1, prefix="OTH", owner="8680001000018")          # not registered to us
    sim.state.add_packs(ok + late + red + other)
    unknown = [dict(ok[0], sn="NOSUCH1")]
    with client(sim) as c:
        res = c.deactivate("75", items(ok + late + red + other + unknown))
    codes = {sn: uc for (_, sn), uc in res.codes.items()}
    assert codes == {"S0000000": "00000", "S0000001": "00000", "LATE0000000": "75001",
                     "RED0000000": "75002", "OTH0000000": "10304", "NOSUCH1": "10201"}
    assert res.notification_id.startswith("SIM")


def test_a_pack_is_never_deactivated_twice(sim):
    rows = make_packs(1)
    sim.state.add_packs(rows)
    with client(sim) as c:
        first = c.deactivate("75", items(rows))
        second = c.deactivate("75", items(rows))
    assert list(first.codes.values()) == ["00000"]
    assert list(second.codes.values()) == ["60000"]  # "Ürün deaktif"
    assert sim.state.packs[(rows[0]["gtin"], rows[0]["sn"])].deactivations == 1


def test_details_that_differ_from_the_registration_are_refused(sim):
    rows = make_packs(1)
    sim.state.add_packs(rows)
    with client(sim) as c:
        res = c.deactivate("75", [p.Item(rows[0]["gtin"], rows[0]["sn"], "WRONGLOT", rows[0]["xd"])])
    assert list(res.codes.values()) == ["10203"]


def test_75_outside_its_window_is_refused_for_the_whole_request(sim):
    sim.state.today = date(2026, 11, 23)  # the 2025 window closed on 24.10.2025
    rows = make_packs(2)
    sim.state.add_packs(rows)
    with client(sim) as c, pytest.raises(ItsError) as err:
        c.deactivate("75", items(rows))
    assert err.value.permanent and not err.value.maybe_committed
    assert err.value.code == "11022"
    assert all(sp.status == "active" for sp in sim.state.packs.values())


def test_another_reason_code_is_not_bound_to_the_75_window(sim):
    sim.state.today = date(2026, 11, 23)
    rows = make_packs(1)
    sim.state.add_packs(rows)
    with client(sim) as c:
        res = c.deactivate("40", items(rows))
    assert list(res.codes.values()) == ["00000"]


def test_an_unknown_reason_code_is_refused_with_11022(sim):
    with client(sim) as c, pytest.raises(ItsError) as err:
        c.deactivate("99", items(make_packs(1)))
    assert err.value.code == "11022" and err.value.permanent


def test_acceptance_takes_in_transit_packs_onto_the_pharmacy(sim):
    rows = make_packs(2, prefix="TR", owner="8680007800012", status="in_transit", dest=GLN)
    sim.state.add_packs(rows)
    with client(sim) as c:
        res = c.accept(items(rows))
        again = c.accept(items(rows[:1]))
        status = c.check_status([(r["gtin"], r["sn"]) for r in rows])
    assert set(res.codes.values()) == {"00000"}
    assert list(again.codes.values()) == ["10223"]
    assert {v[0] for v in status.values()} == {"60003"} and {v[1] for v in status.values()} == {GLN}


def test_check_status_answers_for_exactly_the_packs_asked(sim):
    rows = make_packs(3)
    sim.state.add_packs(rows)
    with client(sim) as c:
        c.deactivate("75", items(rows[:1]))
        status = c.check_status([(r["gtin"], r["sn"]) for r in rows[:2]])
    assert [v[0] for v in status.values()] == ["60000", "60003"]
    assert sim.state.stats["status_packs"] == 2


def test_check_status_refuses_a_whole_stock_loop(sim):
    with client(sim) as c, pytest.raises(ValueError):
        c.check_status([(GTINS[0], f"X{i}") for i in range(p.MAX_BATCH + 1)])


def test_deactivation_cancel_restores_a_pack_while_the_window_is_open(sim):
    rows = make_packs(1)
    sim.state.add_packs(rows)
    with client(sim) as c:
        c.deactivate("75", items(rows))
        res = c.cancel_deactivation(items(rows))
    assert list(res.codes.values()) == ["00000"]
    assert sim.state.packs[(rows[0]["gtin"], rows[0]["sn"])].status == "active"


def test_a_wrong_password_is_a_permanent_error_that_does_not_show_the_password(sim, caplog):
    caplog.set_level(logging.DEBUG)
    bad = ItsClient(sim.url, ItsCredentials(GLN, GLN + "0001", "s3cret-wrong"), backoff_s=0.01)
    with pytest.raises(ItsError) as err:
        bad.deactivate("75", items(make_packs(1)))
    assert err.value.permanent and err.value.status == 401
    assert "s3cret-wrong" not in str(err.value) + repr(bad) + repr(bad.credentials) + caplog.text


def test_a_503_is_reported_as_maybe_committed(sim):
    admin(sim, "/admin/faults", {"error_next": 1})
    with client(sim) as c, pytest.raises(ItsError) as err:
        c.deactivate("75", items(make_packs(1)))
    assert err.value.maybe_committed and not err.value.permanent


def test_a_dropped_answer_is_maybe_committed_and_the_pack_is_deactivated(sim):
    rows = make_packs(1)
    sim.state.add_packs(rows)
    admin(sim, "/admin/faults", {"drop_next": 1})
    with client(sim) as c, pytest.raises(ItsError) as err:
        c.deactivate("75", items(rows))
    assert err.value.maybe_committed
    assert sim.state.packs[(rows[0]["gtin"], rows[0]["sn"])].status == "deactivated"


def test_a_hanging_request_times_out_as_maybe_committed(sim):
    admin(sim, "/admin/faults", {"timeout_next": 1, "hang_s": 0.6})
    with client(sim, timeout_s=0.2) as c, pytest.raises(ItsError) as err:
        c.deactivate("75", items(make_packs(1)))
    assert err.value.maybe_committed


def test_code_tables_are_data_with_sources():
    reasons = p.deactivation_reasons()
    assert {"10", "20", "30", "40", "50", "60", "75"} <= set(reasons)
    assert all(r["source"] for r in reasons.values())
    codes = p.result_codes()
    assert codes["00000"][0] == "success" and codes["90000"][0] == "retry"
    assert p.notification_types()["deactivation"]["path"] == p.DEACTIVATION_PATH


def test_code_tables_are_well_formed():
    assert all(len(c) == 5 and c.isdigit() for c in p.result_codes())
    assert {o for o, _ in p.result_codes().values()} <= {"success", "refused", "retry", "status"}
    assert all(len(c) == 2 for c in p.deactivation_reasons())
