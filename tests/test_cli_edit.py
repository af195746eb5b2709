"""Issue 12: `edit` corrects intake data — field by field, with the reason in one history
entry; what depends on a field follows it (deadlines, supply events and their fines,
repeat figures); bad values are refused as `log` refuses them, the database unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, closed, ok, refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

Log = Callable[..., dict[str, Any]]
REASON = ("--reason", "客户来电更正")


def _edit(run: Run, cid: int | str, *args: str, now: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = ok(run("edit", str(cid), *args, *REASON, "--json", now=now))
    return data


def _history(run: Run, cid: int | str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok(run("show", str(cid), "--json"))["events"]
    return events


def _everything(run: Run) -> str:
    """The whole database as an export (every case, its history and ledger)."""
    result = run("export", "--show-phone")
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ---- each field ---------------------------------------------------------------------------

FIELDS = [
    (("--customer", "王小明"), "customer", "张伟", "王小明"),
    (("--phone", "13912345678"), "phone", "13812345678", "13912345678"),
    (("--org", "实验小学"), "org", None, "实验小学"),
    (("--order-no", "SO-77"), "order_no", None, "SO-77"),
    (("--product", "午餐A"), "product", None, "午餐A"),
    (("--batch", "B-1121"), "batch", None, "B-1121"),
    (("--delivery-date", "2026-11-21"), "delivery_date", None, "2026-11-21"),
    (("--quantity", "30"), "quantity", None, 30),
    (("--defective", "0"), "defective", None, 0),
    (
        ("--description", "米饭偏硬，有异味"),
        "description",
        "米饭偏硬，口感不好",
        "米饭偏硬，有异味",
    ),
    (("--request", "退款"), "request", None, "退款"),
    (("--people", "3"), "people", 1, 3),
    (("--ill",), "ill", False, True),
    (("--injured",), "injured", False, True),
    (
        ("--received-at", "2026-11-22 09:40"),
        "received_at",
        "2026-11-22T10:00:00+08:00",
        "2026-11-22T09:40:00+08:00",
    ),
    (("--symptoms", "腹泻"), "symptoms", None, "腹泻"),
    (("--onset", "2026-11-22 07:30"), "onset_at", None, "2026-11-22T07:30:00+08:00"),
    (("--eaten", "半份"), "eaten", None, "半份"),
    (("--hospital",), "hospital", False, True),
]


@pytest.mark.parametrize(("args", "key", "old", "new"), FIELDS, ids=[f[1] for f in FIELDS])
def test_each_field_is_corrected_with_one_edit_entry_old_to_new_and_the_reason(
    run: Run, log: Log, args: tuple[str, ...], key: str, old: Any, new: Any
) -> None:
    before = log()
    assert before[key] == old
    after = _edit(run, before["id"], *args)
    assert after[key] == new
    *_, entry = _history(run, before["id"])
    assert entry["action"] == "edit" and entry["note"] == "客户来电更正"
    assert entry["by"] == "tester"
    changed = entry["changes"][key]
    assert changed[1] == new and changed[0] == old
    # nothing else of the intake moved
    for _, name, first, _ in FIELDS:
        if name != key:
            assert after[name] == first, name
    shown = run("show", str(before["id"])).stdout
    assert "edit" in shown and "客户来电更正" in shown


def test_the_boolean_flags_are_switched_off_too(run: Run, log: Log) -> None:
    cid = log("两人腹泻", "--ill", "--hospital")["id"]
    after = _edit(run, cid, "--no-ill", "--no-hospital")
    assert after["ill"] is False and after["hospital"] is False
    assert _history(run, cid)[-1]["changes"]["ill"] == [True, False]


def test_the_delivery_time_comes_with_the_delivery_date(run: Run, log: Log) -> None:
    cid = log(delivery_date="2026-11-21")["id"]
    after = _edit(run, cid, "--delivery-date", "2026-11-20 11:30")
    assert after["delivery_date"] == "2026-11-20"
    assert after["delivered_at"] == "2026-11-20T11:30:00+08:00"


def test_chinese_and_english_summary_of_the_correction_is_shown(run: Run, log: Log) -> None:
    cid = log()["id"]
    result = run("edit", str(cid), "--phone", "13912345678", "--org", "实验小学", *REASON)
    assert result.exit_code == 0, result.stderr
    assert "Corrected complaint #1." in result.stdout
    assert "Corrected: phone, org." in result.stdout
    shown = run("show", str(cid)).stdout
    assert "phone 13812345678 → 13912345678" in shown


# ---- refusals: exit 2, one line naming the field, the database unchanged ------------------


def test_the_reason_is_required(run: Run, log: Log) -> None:
    cid = log()["id"]
    refused(run("edit", str(cid), "--phone", "13912345678"), "--reason")
    refused(run("edit", str(cid), "--phone", "13912345678", "--reason", "  "), "reason")


def test_an_edit_that_changes_nothing_is_refused(run: Run, log: Log) -> None:
    cid = log(org="实验小学")["id"]
    kept = _everything(run)
    refused(run("edit", str(cid), *REASON), "nothing to change")
    refused(
        run("edit", str(cid), "--org", "实验小学", "--customer", "张伟", *REASON),
        "nothing to change",
    )
    assert _everything(run) == kept


BAD = [
    (("--phone", "12"), "phone: 7-20 digits"),
    (("--customer", "  "), "customer: must not be empty"),
    (("--customer", "a\x1bb"), "customer: contains a control character"),
    (("--org", "x" * 201), "org: at most 200 characters"),
    (("--quantity", "-1"), "quantity: a whole number"),
    (("--people", "0"), "people: a whole number from 1"),
    (("--defective", "5", "--quantity", "3"), "defective: must not be more than"),
    (("--delivery-date", "2026-11-23"), "delivery_date: must not be later than the day"),
    (("--delivery-date", "yesterday-ish"), "delivery_date"),
    (("--received-at", "2026-11-22 12:00"), "received_at: must not be in the future"),
    (("--received-at", "not a time"), "received_at"),
    (("--onset", "2026-11-22 09:59"), "onset: must not be later than the time"),
    (("--received-at", "2026-11-22 06:00", "--onset", "2026-11-22 07:00"), "onset"),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[b[1] for b in BAD])
def test_bad_values_are_refused_naming_the_field_and_nothing_changes(
    run: Run, log: Log, args: tuple[str, ...], words: str
) -> None:
    cid = log(now="2026-11-22 09:00")["id"]  # received 09:00, edited at 10:00
    ok(run("edit", str(cid), "--onset", "2026-11-22 08:00", *REASON))
    kept = _everything(run)
    refused(run("edit", str(cid), *args, *REASON), words)
    assert _everything(run) == kept


def test_edit_of_an_unknown_complaint_is_refused(run: Run, log: Log) -> None:
    log()
    refused(run("edit", "9", "--phone", "13912345678", *REASON), "no complaint 9")


def test_a_received_time_after_it_was_logged_is_refused(run: Run, log: Log) -> None:
    cid = log("信件投诉", received_at="2026-11-22 08:00")["id"]  # logged at 10:00
    later = "2026-11-22 12:00"
    refused(
        run("edit", str(cid), "--received-at", "2026-11-22 10:01", *REASON, now=later),
        "received_at: must not be later than when the complaint was logged (2026-11-22 10:00)",
    )
    ok(run("edit", str(cid), "--received-at", "2026-11-22 10:00", *REASON, now=later))


def test_a_received_time_after_a_milestone_was_done_is_refused(run: Run, log: Log) -> None:
    cid = log(received_at="2026-11-22 08:00")["id"]
    ok(run("done", str(cid), "contact", "--at", "2026-11-22 08:30", "--reason", "补录"))
    kept = _everything(run)
    refused(
        run("edit", str(cid), "--received-at", "2026-11-22 09:00", *REASON),
        "received_at: must not be later than when contact was done (2026-11-22 08:30)",
    )
    assert _everything(run) == kept


# ---- a closed case ------------------------------------------------------------------------


def test_a_closed_or_revisited_case_is_corrected_too(run: Run, log: Log) -> None:
    cid = log()["id"]
    closed(run, str(cid))
    after = _edit(run, cid, "--customer", "张伟伟")
    assert after["status"] == "closed" and after["customer"] == "张伟伟"
    ok(run("revisit", str(cid), "--satisfaction", "5"))
    after = _edit(run, cid, "--phone", "13900001111")
    assert after["status"] == "revisited" and after["phone"] == "13900001111"


def test_people_corrected_on_a_closed_statutory_case_follows_into_the_suggestion(
    run: Run, log: Log
) -> None:
    cid = log("两名学生食用后腹泻", "--ill", "--people", "2", category="illness")["id"]
    data = closed(
        run, str(cid), "--finding", "foreign_object", "--price", "20", "--remedy", "replace"
    )
    assert data["statutory_compensation"] == 2000
    after = _edit(run, cid, "--people", "3")
    assert after["statutory_compensation"] == 3000
    changes = _history(run, cid)[-1]["changes"]
    assert changes["statutory_compensation"] == [2000, 3000]


# ---- the received time and the deadlines --------------------------------------------------


def test_a_corrected_received_time_counts_the_deadlines_again(
    run: Run, log: Log, thursday: None
) -> None:
    cid = log()["id"]  # general, received 10:00: contact 11:00, plan 14:00, resolution +24h
    after = _edit(run, cid, "--received-at", "2026-11-19 09:40")
    due = {m: d["due_at"] for m, d in after["deadlines"].items()}
    assert due["contact"] == "2026-11-19T10:40:00+08:00"
    assert due["plan"] == "2026-11-19T13:40:00+08:00"
    assert due["investigation"] == "2026-11-19T17:40:00+08:00"
    assert due["resolution"] == "2026-11-20T09:40:00+08:00"
    changes = _history(run, cid)[-1]["changes"]
    assert changes["deadlines.contact.due_at"][1] == "2026-11-19T10:40:00+08:00"


def test_an_earlier_received_time_can_breach_a_deadline_at_once(
    run: Run, log: Log, thursday: None
) -> None:
    cid = log()["id"]
    after = _edit(run, cid, "--received-at", "2026-11-19 08:30")
    assert after["deadlines"]["contact"]["state"] == "breached"  # due 09:30, now 10:00
    assert after["deadlines"]["plan"]["state"] == "pending"
    assert after["deadlines"]["forward"]["state"] == "breached"  # due 09:30 too
    actions = [e["action"] for e in _history(run, cid)]
    assert actions == ["log", "edit", "breached", "breached"]


def test_a_recorded_breach_stays_breached_when_the_received_time_moves_later(
    run: Run, log: Log, thursday: None
) -> None:
    cid = log("信件投诉", received_at="2026-11-19 06:00")["id"]  # from 08:00: contact 09:00
    after = _edit(run, cid, "--received-at", "2026-11-19 09:30")  # contact due 10:30
    contact = after["deadlines"]["contact"]
    assert contact["due_at"] == "2026-11-19T10:30:00+08:00"
    assert contact["state"] == "breached"  # it was breached before the correction
    assert after["deadlines"]["plan"]["state"] == "pending"
    actions = [e["action"] for e in _history(run, cid)]
    # contact's breach and forward's (both due 09:00) are recorded first
    assert actions == ["log", "breached", "breached", "edit"]
    ok(run("done", str(cid), "contact"))
    assert ok(run("show", str(cid), "--json"))["deadlines"]["contact"]["state"] == "breached"


def test_an_extended_deadline_keeps_its_promised_time(run: Run, log: Log, thursday: None) -> None:
    cid = log()["id"]
    ok(run("extend", str(cid), "--until", "2026-11-24 18:00", "--reason", "等待检测报告"))
    after = _edit(run, cid, "--received-at", "2026-11-19 09:00")
    assert after["deadlines"]["resolution"]["due_at"] == "2026-11-24T18:00:00+08:00"
    assert after["deadlines"]["contact"]["due_at"] == "2026-11-19T10:00:00+08:00"


def test_a_deadline_counted_from_a_raised_severity_keeps_its_due(
    run: Run, log: Log, thursday: None
) -> None:
    cid = log(now="2026-11-19 09:00")["id"]  # general: contact 10:00
    raised = ok(run("classify", str(cid), "--severity", "urgent", "--json", now="2026-11-19 09:40"))
    assert raised["deadlines"]["plan"]["due_at"] == "2026-11-19T11:40:00+08:00"  # 09:40 + 2 h
    assert raised["deadlines"]["contact"]["due_at"] == "2026-11-19T10:00:00+08:00"  # general's
    after = _edit(run, cid, "--received-at", "2026-11-19 08:50", now="2026-11-19 09:45")
    # counted from the raise, or kept from the general table: neither follows the receipt
    assert after["deadlines"]["plan"]["due_at"] == "2026-11-19T11:40:00+08:00"
    assert after["deadlines"]["contact"]["due_at"] == "2026-11-19T10:00:00+08:00"
    # the resolution is the urgent table's from receipt (24 h either way): it follows
    assert after["deadlines"]["resolution"]["due_at"] == "2026-11-20T08:50:00+08:00"


def test_a_received_time_corrected_to_friday_evening_counts_in_working_time(
    run: Run, log: Log
) -> None:
    cid = log()["id"]  # Sunday 10:00: counted from Monday 08:00
    after = _edit(run, cid, "--received-at", "2026-11-20 17:30")
    due = {m: d["due_at"] for m, d in after["deadlines"].items()}
    assert due["contact"] == "2026-11-23T08:30:00+08:00"  # 30 minutes Friday, 30 Monday
    assert due["plan"] == "2026-11-23T11:30:00+08:00"
    assert due["resolution"] == "2026-11-23T17:30:00+08:00"  # the next working day
    assert after["deadlines"]["contact"]["state"] == "pending"


def test_the_hotline_contact_made_at_intake_moves_with_the_received_time(
    run: Run, log: Log
) -> None:
    result = run(
        "log",
        "送餐晚了",
        "--channel",
        "hotline",
        "--customer",
        "李",
        "--phone",
        "13800000000",
        "--json",
    )
    cid = ok(result)["id"]
    after = _edit(run, cid, "--received-at", "2026-11-22 09:50")
    contact = after["deadlines"]["contact"]
    assert contact["done_at"] == "2026-11-22T09:50:00+08:00" and contact["state"] == "met"


# ---- supply events and the ledger ---------------------------------------------------------

SPOILED = ("--remedy", "refund", "--cause", "processing", "--finding", "spoiled")


def _fined(log: Log, run: Run, phone: str, org: str, day: str, now: str) -> int:
    cid = int(
        log(
            "午餐米饭变质发馊",
            "--phone",
            phone,
            org=org,
            batch="B-1",
            delivery_date=day,
            category="food_safety",
            now=now,
        )["id"]
    )
    ok(run("close", str(cid), *SPOILED, "--supply-value", "2000", now=now))
    return cid


def test_a_corrected_org_moves_the_case_to_the_other_clients_event_through_the_ledger(
    run: Run, log: Log
) -> None:
    first = _fined(log, run, "13900000001", "第二中学", "2026-11-19", "2026-11-20 09:00")
    cid = _fined(log, run, "13900000002", "第一中学", "2026-11-21", "2026-11-21 13:00")
    before = ok(run("show", str(cid), "--json"))
    assert before["penalty"]["offence"] == 1 and before["penalty"]["amount"] == 4000
    after = _edit(run, cid, "--org", "第二中学")
    # the same client's second fined event in the window: offence 2, ×3
    assert after["penalty"]["offence"] == 2 and after["penalty"]["amount"] == 6000
    ledger = [(e["kind"], e["amount"], e["reverses"]) for e in after["ledger"]]
    old_id = after["ledger"][0]["id"]
    assert ledger == [("fine", 4000, None), ("fine", -4000, old_id), ("fine", 6000, None)]
    assert all("edit of #2" in e["reason"] for e in after["ledger"][1:])
    assert ok(run("show", str(first), "--json"))["penalty"]["amount"] == 4000
    report = ok(run("report", "--quarter", "current", "--json"))
    assert report["penalties_total"] == 10000
    (school,) = [p for p in report["penalties"] if p["org"] == "第二中学"]
    assert school["offences"] == 2


def test_a_corrected_delivery_date_joins_an_event_and_the_fine_stays_once(
    run: Run, log: Log
) -> None:
    a = _fined(log, run, "13900000001", "第一中学", "2026-11-21", "2026-11-21 13:00")
    b = _fined(log, run, "13900000002", "第一中学", "2026-11-20", "2026-11-21 14:00")
    assert ok(run("show", str(b), "--json"))["penalty"]["offence"] == 1  # the earlier day
    assert ok(run("show", str(a), "--json"))["penalty"]["offence"] == 2
    after = _edit(run, b, "--delivery-date", "2026-11-21")  # same delivery as a after all
    assert after["penalty"]["same_offence_as"] == a and after["penalty"]["amount"] == 0
    assert sum(e["amount"] for e in after["ledger"]) == 0  # its fine reversed
    carrier = ok(run("show", str(a), "--json"))
    assert carrier["penalty"]["offence"] == 1 and carrier["penalty"]["amount"] == 4000
    assert [e["action"] for e in carrier["events"]][-1] == "penalty"
    report = ok(run("report", "--quarter", "current", "--json"))
    assert report["penalties_total"] == 4000


def test_an_edit_outside_the_supply_event_leaves_the_ledger_alone(run: Run, log: Log) -> None:
    cid = _fined(log, run, "13900000001", "第一中学", "2026-11-21", "2026-11-21 13:00")
    after = _edit(run, cid, "--customer", "王老师", "--org", " 第一中学 ")
    assert [e["kind"] for e in after["ledger"]] == ["fine"]


# ---- repeat figures -------------------------------------------------------------------------


def _repeaters(run: Run) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(run("report", "--month", "2026-11", "--json", "--show-phone"))[
        "repeat_complainants"
    ]
    return found


def test_repeat_figures_follow_a_corrected_phone(run: Run, log: Log) -> None:
    log("米饭偏硬", now="2026-11-20 10:00")
    second = log("米饭又偏硬", "--phone", "13900000009", now="2026-11-21 10:00")["id"]
    assert _repeaters(run) == []
    _edit(run, second, "--phone", "13812345678")  # it was the same caller
    (repeater,) = _repeaters(run)
    assert repeater["ids"] == [1, 2] and repeater["phone"] == "13812345678"
    kpi = ok(run("report", "--month", "2026-11", "--json"))["kpis"]["repeat_rate"]
    assert kpi["value"] == 0.5
    _edit(run, second, "--phone", "13900000009")
    assert _repeaters(run) == []


def test_client_repeats_follow_a_corrected_org(run: Run, log: Log) -> None:
    log("米饭偏硬", org="实验小学", now="2026-11-20 10:00")
    second = log("米饭又偏硬", "--phone", "13900000009", org="实验中学", now="2026-11-21 10:00")
    kpis = ok(run("report", "--month", "2026-11", "--json"))["kpis"]
    assert kpis["repeat_clients"]["value"] == 0
    _edit(run, second["id"], "--org", "实验小学")
    kpis = ok(run("report", "--month", "2026-11", "--json"))["kpis"]
    assert kpis["repeat_clients"]["value"] == 0.5


# ---- edit, then edit back -------------------------------------------------------------------

INTAKE = ("customer", "phone", "org", "product", "people", "ill", "quantity", "symptoms")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    customer=st.sampled_from(["王老师", "Li Wei", "陈 女士"]),
    phone=st.sampled_from(["13900000001", "+86 139 0000 0002", "010-6552-1234"]),
    org=st.sampled_from(["实验小学", "Brightwave Tech"]),
    people=st.integers(1, 50),
    ill=st.booleans(),
    quantity=st.integers(0, 100),
    symptoms=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12),
)
def test_an_edit_and_its_edit_back_restore_the_case_and_the_history_grows(
    run: Run,
    tmp_path: Path,
    customer: str,
    phone: str,
    org: str,
    people: int,
    ill: bool,
    quantity: int,
    symptoms: str,
) -> None:
    db = ("--db", str(tmp_path / "roundtrip.db"))
    cid = ok(
        run(
            *db,
            "log",
            "米饭偏硬",
            "--channel",
            "online",
            "--customer",
            "张伟",
            "--phone",
            "13812345678",
            "--org",
            "第一中学",
            "--product",
            "午餐A",
            "--json",
        )
    )["id"]
    first = ok(run(*db, "show", str(cid), "--json"))
    flag = "--ill" if ill else "--no-ill"
    result = run(
        *db,
        "edit",
        str(cid),
        "--customer",
        customer,
        "--phone",
        phone,
        "--org",
        org,
        "--people",
        str(people),
        flag,
        "--quantity",
        str(quantity),
        "--symptoms",
        symptoms,
        *REASON,
    )
    assert result.exit_code == 0, result.stderr
    back = run(
        *db,
        "edit",
        str(cid),
        "--customer",
        "张伟",
        "--phone",
        "13812345678",
        "--org",
        "第一中学",
        "--people",
        "1",
        "--no-ill",
        "--symptoms",
        symptoms,
        *REASON,
    )
    last = ok(run(*db, "show", str(cid), "--json"))
    if back.exit_code == 0:
        for key in INTAKE:
            if key not in ("quantity", "symptoms"):  # not given back (no clearing)
                assert last[key] == first[key], key
        assert [e["action"] for e in last["events"]] == ["log", "edit", "edit"]
    else:  # the first edit changed none of what the second gives: nothing to change
        assert "nothing to change" in back.stderr
        assert [e["action"] for e in last["events"]] == ["log", "edit"]
    assert last["deadlines"] == first["deadlines"]


def test_qc_deadlines_follow_a_corrected_received_time(run: Run, log: Log) -> None:
    cid = log("米饭有馊味", category="food_safety")["id"]  # received 10:00: sample due +24 h
    after = _edit(run, cid, "--received-at", "2026-11-22 09:00")
    assert after["deadlines"]["sample"]["due_at"] == "2026-11-23T09:00:00+08:00"
    assert after["deadlines"]["lab_report"]["due_at"] == "2026-11-24T09:00:00+08:00"
