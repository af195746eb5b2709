"""Issue 9, the money half: supply events, the ledger, payments, statutory compensation,
unconditional exchange, responsibility by cause. Each reproduced defect is a named test
on the real CLI."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import Run, ok, refused

Log = Callable[..., dict[str, Any]]
# A close that finds the food spoiled, our doing (processing), refunded.
SPOILED_OURS = ("--remedy", "refund", "--cause", "processing", "--finding", "spoiled")

SCHOOL = "第一中学"


def _teacher(log: Log, phone: str, now: str = "2026-11-21 13:00", **extra: str) -> int:
    data = log(
        "午餐米饭变质发馊",
        "--phone",
        phone,
        org=SCHOOL,
        batch="B-1123",
        delivery_date="2026-11-21",
        category="food_safety",
        now=now,
        **extra,
    )
    return int(data["id"])


def _close_spoiled(run: Run, cid: int, *more: str, now: str | None = None) -> dict[str, Any]:
    result = run(
        "close",
        str(cid),
        *SPOILED_OURS,
        "--supply-value",
        "2000",
        *more,
        "--json",
        now=now,
    )
    data: dict[str, Any] = ok(result)
    return data


def _report(run: Run, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = ok(run("report", "--quarter", "current", *args, "--json"))
    return data


def test_defect1_one_delivery_fined_once_however_many_complain(run: Run, log: Log) -> None:
    ids = [_teacher(log, p) for p in ("13900000001", "13900000002", "13900000003")]
    first, second, third = (_close_spoiled(run, cid) for cid in ids)
    assert first["penalty"]["offence"] == 1 and first["penalty"]["amount"] == 4000
    for other in (second, third):
        assert other["penalty"]["same_offence_as"] == ids[0]
        assert other["penalty"]["amount"] == 0
        assert other["ledger"] == []
    report = _report(run)
    assert report["penalties_total"] == 4000
    (school,) = [p for p in report["penalties"] if p["org"] == SCHOOL]
    assert school["offences"] == 1 and school["multipliers"] == [2]
    shown = run("show", str(ids[1]))
    assert f"same offence as #{ids[0]}" in shown.stdout
    # the next delivery that goes wrong is offence 2 (×3), naming the event before it
    later = int(
        log(
            "酸奶过期",
            org=" 第一中学",
            product="酸奶",
            delivery_date="2026-11-22",
            category="food_safety",
        )["id"]
    )
    data = _close_spoiled(run, later)
    assert data["penalty"]["offence"] == 2 and data["penalty"]["amount"] == 6000
    assert data["penalty"]["earlier_events"] == ["第一中学 · 2026-11-21 · batch b-1123"]


def test_defect2_a_cleared_case_has_its_fine_reversed(run: Run, log: Log) -> None:
    cid = _teacher(log, "13900000001")
    _close_spoiled(run, cid, "--amount", "100", now="2026-11-21 15:00")
    ok(run("revisit", str(cid), "--satisfaction", "1", now="2026-11-21 16:00"))
    cleared = ok(
        run(
            "close",
            str(cid),
            "--remedy",
            "apology",
            "--cause",
            "customer",
            "--finding",
            "none",
            "--not-ours",
            "--json",
        )
    )
    assert cleared["penalty"] is None
    kinds = [(e["kind"], e["amount"], e["reverses"]) for e in cleared["ledger"]]
    assert kinds == [("fine", 4000, None), ("payment", 100, None), ("fine", -4000, 1)]
    assert "no case of" in cleared["ledger"][2]["reason"]
    assert "penalty" not in run("show", str(cid)).stdout.split("Deadlines")[0]
    report = _report(run)
    assert report["penalties_total"] == 0
    assert all(p["offences"] == 0 for p in report["penalties"])
    assert report["compensation_total"] == 100  # the refund paid stays paid


def test_defect2_clearing_the_carrier_moves_the_fine_to_the_next_case(run: Run, log: Log) -> None:
    a, b = _teacher(log, "13900000001"), _teacher(log, "13900000002")
    _close_spoiled(run, a, now="2026-11-21 15:00")
    _close_spoiled(run, b, now="2026-11-21 16:00")
    ok(run("revisit", str(a), "--satisfaction", "1", now="2026-11-21 17:00"))
    ok(
        run(
            "close",
            str(a),
            "--remedy",
            "apology",
            "--cause",
            "customer",
            "--finding",
            "none",
        )
    )
    other = ok(run("show", str(b), "--json"))
    assert other["penalty"]["same_offence_as"] is None and other["penalty"]["amount"] == 4000
    (moved,) = [e for e in other["events"] if e["action"] == "penalty"]
    assert f"close of #{a}" in moved["note"]
    assert _report(run)["penalties_total"] == 4000


def test_defect3_statutory_only_for_a_real_defect_and_per_person(run: Run, log: Log) -> None:
    nothing = int(log("午餐后肚子不舒服", category="illness")["id"])
    none = ok(
        run(
            "close",
            str(nothing),
            "--remedy",
            "apology",
            "--cause",
            "customer",
            "--finding",
            "none",
            "--not-ours",
            "--price",
            "15",
            "--json",
        )
    )
    assert none["statutory_compensation"] is None
    cid = int(log("三人吃了变质米饭腹泻", "--people", "3", category="illness")["id"])
    data = ok(
        run(
            "close",
            str(cid),
            "--remedy",
            "refund",
            "--remedy",
            "medical_costs",
            "--cause",
            "processing",
            "--finding",
            "foreign_object",
            "--price",
            "15",
            "--loss",
            "400",
            "--json",
        )
    )
    assert data["statutory_compensation"] == 3600  # 3 × max(150, 1200, 1000)
    shown = run("show", str(cid)).stdout
    assert "loss ¥1,200.00 + statutory ¥3,600.00" in shown


def test_defect6_monthly_review_charges_the_cause_not_the_handler(run: Run, log: Log) -> None:
    cid = int(log("面条里有异味变质", org="二中", product="面条", delivery_date="2026-11-20")["id"])
    ok(run("assign", str(cid), "--dept", "quality_control"))
    ok(
        run(
            "close",
            str(cid),
            "--remedy",
            "replace",
            "--cause",
            "processing",
            "--finding",
            "spoiled",
            "--supply-value",
            "750",
        )
    )
    by_cause = _report(run)["responsibility"]["departments"]
    (production,) = [d for d in by_cause if d["department"] == "production"]
    assert production["penalties"] == 1500 and production["handled_by"] == "quality_control"
    assert not any(d["department"] == "quality_control" and d["penalties"] for d in by_cause)
    by_handler = _report(run, "--by-handler")["responsibility"]["departments"]
    (qc,) = [d for d in by_handler if d["department"] == "quality_control"]
    assert qc["penalties"] == 1500


def test_defect7_several_remedies_each_paid_when_it_is_paid(run: Run, log: Log) -> None:
    cid = int(log("孩子吃后呕吐住院", category="illness", org="三小")["id"])
    data = ok(
        run(
            "close",
            str(cid),
            "--remedy",
            "medical_costs",
            "--remedy",
            "compensation",
            "--remedy",
            "seal_and_test",
            "--remedy",
            "refund",
            "--amount",
            "3000",
            "--amount",
            "退款=36",
            "--cause",
            "processing",
            "--finding",
            "none",
            "--json",
        )
    )
    assert data["remedy"] == "medical_costs"
    assert data["remedies"] == ["medical_costs", "compensation", "seal_and_test", "refund"]
    paid = [(e["payment_kind"], e["amount"]) for e in data["ledger"]]
    assert paid == [("medical_costs", 3000), ("refund", 36)]
    later = ok(
        run("pay", str(cid), "--kind", "赔偿", "--amount", "2000", "--note", "协商", "--json")
    )
    assert later["ledger"][-1]["payment_kind"] == "compensation"
    assert later["ledger"][-1]["by"] == "tester"
    mistaken = ok(run("pay", str(cid), "--kind", "coupon", "--amount", "50", "--json"))
    entry = mistaken["ledger"][-1]["id"]
    refused(run("pay", str(cid), "--reverse", str(entry)), "reason")
    ok(run("pay", str(cid), "--reverse", str(entry), "--reason", "记错了"))
    refused(run("pay", str(cid), "--reverse", str(entry), "--reason", "again"), "already")
    report = _report(run)
    assert report["compensation_total"] == 5036
    assert report["compensation_by_kind"] == {
        "medical_costs": 3000,
        "compensation": 2000,
        "refund": 36,
    }
    paid = [k for k in report["ledger_summary"] if k["kind"] == "payment"]
    assert sum(k["net"] for k in paid) == 5036
    assert "ledger" not in report  # every entry is in ledger.csv (--csv)
    history = ok(run("show", str(cid), "--json"))["events"]
    assert [e["action"] for e in history].count("pay") == 3
    # the summary adds up the whole listing; the terminal shows it and the largest entries
    entries = sum(k["entries"] for k in report["ledger_summary"])
    assert entries == 5  # 3 payments, a mistaken one and its reversal
    assert [e["amount"] for e in report["ledger_largest"]][:2] == [3000, 2000]
    shown = run("report", "--month", "2026-11")
    assert shown.exit_code == 0, shown.stderr
    assert f"Ledger of the period's complaints: {entries} entries" in shown.stdout
    assert "Largest ledger entries" in shown.stdout


def test_report_csv_lists_every_ledger_entry(run: Run, log: Log, tmp_path: Path) -> None:
    cid = str(log("米饭偏硬")["id"])
    for n in range(1, 31):
        ok(run("pay", cid, "--kind", "coupon", "--amount", str(n)))
    result = run("report", "--month", "2026-11", "--csv", str(tmp_path / "m"))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader((tmp_path / "m" / "ledger.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 31  # the header and every entry, not only the largest
    assert sum(Decimal(r[4]) for r in rows[1:]) == sum(range(1, 31))  # = the totals
    report = ok(run("report", "--month", "2026-11", "--json"))
    assert report["compensation_total"] == sum(range(1, 31))
    largest = (tmp_path / "m" / "ledger_largest.csv").exists()
    assert not largest


def test_defect8_a_defect_finding_obliges_an_exchange_or_return(run: Run, log: Log) -> None:
    cid = str(log("米饭变质", org="四中", batch="B9", delivery_date="2026-11-21")["id"])
    refused(
        run(
            "close",
            cid,
            "--remedy",
            "apology",
            "--cause",
            "processing",
            "--finding",
            "spoiled",
            "--supply-value",
            "100",
        ),
        "001 §6",
        "replace",
    )
    assert ok(run("show", cid, "--json"))["status"] == "new"


def test_defect9_a_confirmed_defect_needs_someone_responsible(run: Run, log: Log) -> None:
    cid = str(log("米饭变质", org="四中", batch="B9", delivery_date="2026-11-21")["id"])
    refused(
        run(
            "close",
            cid,
            "--remedy",
            "refund",
            "--cause",
            "unknown",
            "--finding",
            "spoiled",
            "--supply-value",
            "100",
        ),
        "--ours or --not-ours",
    )
    ill = str(log("五个孩子吃后呕吐", "--people", "5", "--ill")["id"])
    refused(run("close", ill, "--remedy", "apology", "--cause", "unknown"), "--finding")
    ok(
        run(
            "close",
            ill,
            "--remedy",
            "apology",
            "--cause",
            "unknown",
            "--finding",
            "none",
        )
    )


def test_a_fining_close_names_what_its_supply_event_lacks(run: Run, log: Log) -> None:
    cid = str(log("米饭变质", org="四中", product="米饭")["id"])
    message = refused(
        run(
            "close",
            cid,
            *SPOILED_OURS,
            "--supply-value",
            "100",
        ),
        "--delivery-date",
    )
    assert "--org" not in message and "--batch" not in message
    data = ok(
        run(
            "close",
            cid,
            *SPOILED_OURS,
            "--supply-value",
            "100",
            "--delivery-date",
            "2026-11-21",
            "--json",
        )
    )
    assert data["delivery_date"] == "2026-11-21" and data["penalty"]["amount"] == 200


def test_the_ledger_is_never_changed_in_place(run: Run, log: Log, db_path: Path) -> None:
    cid = _teacher(log, "13900000001")
    _close_spoiled(run, cid)
    with sqlite3.connect(db_path) as conn:
        for sql in ("UPDATE ledger SET amount_fen = 1", "DELETE FROM ledger"):
            try:
                conn.execute(sql)
            except sqlite3.DatabaseError as exc:
                assert "ledger" in str(exc)
            else:
                raise AssertionError(sql)


def test_export_and_import_carry_the_ledger(run: Run, log: Log, tmp_path: Path) -> None:
    cid = _teacher(log, "13900000001")
    _close_spoiled(run, cid, "--amount", "36")
    ok(run("pay", str(cid), "--kind", "statutory", "--amount", "1000"))
    exported = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(exported)))
    record = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])
    assert [e["kind"] for e in record["ledger"]] == ["fine", "payment", "payment"]
    other = {"AFTERSALES_DB": str(tmp_path / "other.db")}
    ok(run("import", str(exported), env=other))
    again = tmp_path / "again.jsonl"
    ok(run("export", "--show-phone", "--out", str(again), env=other))
    assert again.read_bytes() == exported.read_bytes()
    assert _report(run)["penalties_total"] == 4000


def test_an_older_export_without_a_ledger_keeps_its_money(
    run: Run, log: Log, tmp_path: Path
) -> None:
    cid = _teacher(log, "13900000001")
    _close_spoiled(run, cid, "--amount", "36")
    record = json.loads(run("export", "--show-phone").stdout.splitlines()[0])
    del record["ledger"], record["remedies"]
    record["penalty"] = {"offence": 1, "multiplier": 2, "amount": 4000}
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    other = {"AFTERSALES_DB": str(tmp_path / "other.db")}
    ok(run("import", str(old), env=other))
    report = ok(run("report", "--quarter", "current", "--json", env=other))
    assert report["penalties_total"] == 4000 and report["compensation_total"] == 36


def test_a_database_of_schema_4_keeps_its_report_totals(run: Run, log: Log, db_path: Path) -> None:
    """Built with today's commands, then taken back to schema 4 (the money in the
    complaint columns, no ledger): opening it with this version keeps every total."""
    cid = _teacher(log, "13900000001")
    _close_spoiled(run, cid, "--amount", "36")
    staff = str(log("配送员在学校食堂吃饭", category="service_attitude")["id"])
    ok(run("close", staff, "--remedy", "apology", "--cause", "handover", "--staff", "小刘"))
    before = _report(run)
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TABLE ledger")
        conn.execute("DROP INDEX complaints_by_supply_event")
        conn.execute("ALTER TABLE complaints DROP COLUMN supply_event")
        conn.execute("ALTER TABLE complaints DROP COLUMN remedies")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_ledger'")
        conn.execute("PRAGMA user_version = 4")
    after = _report(run)
    for key in ("penalties_total", "compensation_total", "penalties"):
        assert after[key] == before[key], key
    shown = ok(run("show", str(cid), "--json"))
    assert [e["kind"] for e in shown["ledger"]] == ["fine", "payment"]
    assert shown["remedies"] == ["refund"]
    ok(run("check"))


def test_pay_is_in_the_basic_vocabulary_of_kinds(run: Run, log: Log) -> None:
    cid = str(log()["id"])
    refused(run("pay", cid, "--kind", "bitcoin", "--amount", "1"), "kind")
    refused(run("pay", cid, "--kind", "refund", "--amount", "0"), "amount")
    assert run("pay", "999", "--kind", "refund", "--amount", "1").exit_code != 0


def test_check_finds_a_ledger_that_disagrees_with_its_cases(
    run: Run, log: Log, db_path: Path
) -> None:
    cid = str(log("米饭变质", org="一中", batch="B1", delivery_date="2026-11-21")["id"])
    ok(
        run(
            "close", cid, "--remedy", "refund", "--amount", "20", "--cause", "processing",
            "--finding", "spoiled", "--supply-value", "1000",
        )
    )  # fmt: skip
    ok(run("pay", cid, "--kind", "coupon", "--amount", "10"))
    ok(run("pay", cid, "--reverse", "3", "--reason", "记错了"))
    assert ok(run("check", "--json"))["problems"] == []
    conn = sqlite3.connect(db_path)
    with conn:  # a fine edited by hand on the row; a reversal made up for a payment
        conn.execute("UPDATE complaints SET penalty_fen = 100 WHERE id = 1")
        conn.execute(
            """INSERT INTO ledger (complaint_id, kind, payment_kind, amount_fen, by, at,
                                   reverses)
               VALUES (1, 'payment', 'refund', -500, 'x', '2026-11-22T02:00:00Z', 2)"""
        )
    conn.close()
    result = run("check")
    assert result.exit_code == 1
    assert "complaint #1: its fine disagrees with its ledger entries" in result.stdout
    assert "is not the opposite of the entry it reverses" in result.stdout
