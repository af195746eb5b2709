"""Deadlines in business time (issue 14): which clocks count working time only, how each
due is counted across nights, weekends, China's holidays and make-up workdays, how `show`
explains it, the warning for a year without official data, and `recompute` after the
calendar changed. Times are Asia/Shanghai; 2026-10-01 to 10-07 is National Day (国庆节),
Saturday 10-10 a make-up workday; 2026-11-20 is a Friday."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import BASIC, Run, closed, ok, refused
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import deadlines as dl
from aftersales_cli.rules.config import default_rules

Log = Callable[..., dict[str, Any]]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

TASTE = "太咸了"  # taste_feedback: non-urgent
UNDERCOOKED = "鸡腿没熟"  # food_quality: general
SPOILED = "饭菜变质发臭"  # food_safety: urgent
HAIR = "饭里有头发"  # foreign_object: general, with QC's sample and lab report


def due(case: dict[str, Any], milestone: str) -> str:
    value: str = case["deadlines"][milestone]["due_at"]
    return value[:16].replace("T", " ")


def test_a_general_complaint_before_national_day_is_due_after_it(log: Log, run: Run) -> None:
    case = log(UNDERCOOKED, now="2026-09-30 18:20")  # after hours, on the holiday's eve
    # DECISIONS §14: 1 business hour from 09-30 18:20 is 10-08 09:00 (not 10-09).
    assert due(case, "contact") == "2026-10-08 09:00"
    assert due(case, "forward") == "2026-10-08 09:00"
    assert due(case, "plan") == "2026-10-08 12:00"
    assert due(case, "investigation") == "2026-10-08 16:00"
    assert due(case, "resolution") == "2026-10-09 08:00"  # 1 working day on: 08:00 next
    contact = case["deadlines"]["contact"]
    assert contact["business_time"] is True
    assert contact["counting"] == {
        "start": "2026-09-30T18:20:00+08:00",
        "duration": "1h",
        "skipped": [
            {"first": "2026-10-01", "last": "2026-10-07", "kind": "holiday", "names": ["国庆节"]}
        ],
        "makeup": [],
        "unofficial_years": [],
        "paused_minutes": 0,
    }
    text = run("show", "1", now="2026-10-08 08:30", env={"COLUMNS": "200"}).stdout
    assert "1 business hour from 09-30 18:20; skipped 10-01 to 10-07 (国庆节)" in text
    assert "4 business hours from 09-30 18:20; days off as above" in text


def test_a_complaint_on_a_make_up_saturday_counts_it_as_a_working_day(log: Log, run: Run) -> None:
    case = log(UNDERCOOKED, now="2026-10-10 10:00")  # Saturday, 补班 for National Day
    assert due(case, "contact") == "2026-10-10 11:00"
    assert due(case, "investigation") == "2026-10-10 18:00"  # a due on the period's end
    assert due(case, "resolution") == "2026-10-12 10:00"  # Sunday off: Monday, same time
    assert case["deadlines"]["contact"]["counting"]["makeup"] == [
        {"day": "2026-10-10", "name": "国庆节"}
    ]
    text = run("show", "1", now="2026-10-10 10:05", env={"COLUMNS": "200"}).stdout
    assert "10-10 Sat is a working day (国庆节补班)" in text
    assert "skipped 10-11 (weekend)" in text


def test_friday_evening_runs_to_monday_morning_not_through_the_weekend(log: Log) -> None:
    case = log(UNDERCOOKED, now="2026-11-20 17:30")
    assert due(case, "contact") == "2026-11-23 08:30"  # 30 min Friday, 30 min Monday
    assert due(case, "resolution") == "2026-11-23 17:30"  # the same time, next working day
    taste = log(TASTE, now="2026-11-20 15:00")
    assert due(taste, "contact") == "2026-11-23 15:00"  # non-urgent: 1d
    assert due(taste, "resolution") == "2026-11-24 15:00"  # 2d
    assert taste["deadlines"]["investigation"]["due_at"] is None


def test_urgent_clocks_and_qc_s_run_24_7(log: Log) -> None:
    urgent = log(SPOILED, now="2026-11-22 10:00")  # a Sunday
    assert due(urgent, "contact") == "2026-11-22 10:30"
    assert due(urgent, "resolution") == "2026-11-23 10:00"
    assert all(
        not d["business_time"] and d["counting"] is None for d in urgent["deadlines"].values()
    )
    hair = log(HAIR, now="2026-11-20 17:00")  # general, Friday
    assert hair["deadlines"]["contact"]["business_time"] is True
    assert due(hair, "sample") == "2026-11-21 17:00"  # a sample spoils at weekends too
    assert hair["deadlines"]["sample"]["business_time"] is False
    assert due(hair, "lab_report") == "2026-11-22 17:00"


def test_the_revisit_and_confirm_follow_the_severity_s_clock(log: Log, run: Run) -> None:
    log(UNDERCOOKED, now="2026-11-20 09:00")
    case = closed(run, "1", now="2026-11-20 17:30")  # Friday
    assert due(case, "revisit") == "2026-11-25 17:30"  # 3 working days: Mon, Tue, Wed
    assert due(case, "confirm") == "2026-11-23 08:30"  # 1 business hour: 30 min + 30 min
    assert case["deadlines"]["revisit"]["business_time"] is True


def test_raising_to_urgent_counts_from_now_on_the_24_7_clock(log: Log, run: Run) -> None:
    log(UNDERCOOKED, now="2026-11-20 17:50")  # contact due Monday 08:50
    raised = ok(run("classify", "1", "--severity", "urgent", "--json", now="2026-11-20 18:00"))
    assert due(raised, "contact") == "2026-11-20 18:30"
    assert raised["deadlines"]["contact"]["business_time"] is False


def test_a_year_without_official_data_is_warned_about_on_log_and_show(run: Run, log: Log) -> None:
    result = run("log", "包装破了", *BASIC, "--json", now="2026-12-31 17:00")
    case = ok(result)  # stdout stays JSON
    assert "2027 has no official holidays" in result.stderr
    assert "recompute --open" in result.stderr
    assert case["deadlines"]["plan"]["counting"]["unofficial_years"] == [2027]
    assert "2027 has no official holidays" in run("show", "1", now="2026-12-31 17:05").stderr
    quiet = run("log", "包装破了", *BASIC, now="2026-12-30 09:00")
    assert "no official holidays" not in quiet.stderr


COMPANY_2027 = """
[calendar]
holidays = { 2027-01-01 = "元旦" }
"""


def test_recompute_moves_pending_dues_once_a_notice_is_entered(run: Run, tmp_path: Path) -> None:
    ok(run("log", "包装破了", *BASIC, now="2026-12-31 17:00"))  # plan due Fri 2027-01-01
    ok(run("log", "包装破了", *BASIC, now="2026-12-31 16:00"))
    ok(
        run(
            "extend",
            "2",
            "--milestone",
            "plan",
            "--until",
            "2027-01-01 15:00",
            "--reason",
            "等供应商",
            now="2026-12-31 16:10",
        )
    )  # a time promised to the customer stays as promised
    company = tmp_path / "company.toml"
    company.write_text(COMPANY_2027, encoding="utf-8")
    moved = ok(
        run("recompute", "--open", "--rules", str(company), "--json", now="2026-12-31 17:30")
    )
    assert moved["looked_at"] == 2
    assert {(m["id"], m["milestone"]) for m in moved["moved"]} == {
        (1, "plan"),
        (1, "investigation"),
        (1, "resolution"),
        (2, "investigation"),
        (2, "resolution"),
    }
    first = next(m for m in moved["moved"] if m["id"] == 1 and m["milestone"] == "plan")
    assert first["from"].startswith("2027-01-01T11:00") and first["to"].startswith(
        "2027-01-04T11:00"
    )
    case = ok(run("show", "1", "--json", "--rules", str(company), now="2026-12-31 17:31"))
    assert case["events"][-1]["action"] == "recompute"
    assert case["deadlines"]["plan"]["counting"]["skipped"][0]["names"] == ["元旦"]
    assert case["deadlines"]["plan"]["counting"]["unofficial_years"] == []  # entered now
    assert due(ok(run("show", "2", "--json", now="2026-12-31 17:31")), "plan") == (
        "2027-01-01 15:00"
    )
    again = ok(
        run("recompute", "--open", "--rules", str(company), "--json", now="2026-12-31 17:40")
    )
    assert again["moved"] == []
    text = run("recompute", "1", now="2026-12-31 17:45").stdout  # back to the defaults
    assert "3 deadlines of 1 moved" in text and "2027-01-01 11:00" in text


def test_recompute_leaves_a_passed_deadline_breached(run: Run, tmp_path: Path) -> None:
    ok(run("log", "包装破了", *BASIC, now="2026-12-31 17:00"))
    company = tmp_path / "company.toml"
    company.write_text(COMPANY_2027, encoding="utf-8")
    ok(run("recompute", "1", "--rules", str(company), now="2027-01-01 12:00"))
    case = ok(run("show", "1", "--json", now="2027-01-01 12:01"))
    assert case["deadlines"]["plan"]["state"] == "breached"  # due 11:00, passed first
    assert due(case, "plan") == "2027-01-01 11:00"
    assert due(case, "resolution") == "2027-01-04 17:00"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), ["--open", "name the complaints"]),
        (("1", "--open"), ["--open", "not both"]),
        (("0",), ["ID", "1 or more"]),
    ],
)
def test_recompute_refuses_what_it_cannot_do(
    run: Run, args: tuple[str, ...], words: list[str]
) -> None:
    refused(run("recompute", *args), *words)


def test_recompute_of_an_unknown_complaint_is_refused(run: Run, log: Log) -> None:
    log(UNDERCOOKED)
    result = run("recompute", "7")
    assert result.exit_code != 0 and "7" in result.stderr and "Traceback" not in result.output


def test_the_rules_say_which_clocks_are_business_time(run: Run) -> None:
    text = run("rules", env={"COLUMNS": "200"}).stdout
    assert "urgent 紧急        30m" in text and "general 一般       1h*" in text
    assert "* in business time" in text
    assert "urgent: none (24/7)" in text
    effective = ok(run("rules", "--json"))
    assert effective["deadlines"]["business_time"]["urgent"] == []
    assert "revisit" in effective["deadlines"]["business_time"]["general"]


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        (
            '[deadlines.business_time]\ngeneral = ["contact", "lunch"]\n',
            ["deadlines.business_time.general", "lunch"],
        ),
        ('[deadlines.business_time]\nurgent = "all"\n', ["deadlines.business_time.urgent"]),
        ("[deadlines.business_time]\nsevere = []\n", ["deadlines.business_time.severe"]),
        ('[deadlines]\npause_limit = "soon"\n', ["deadlines.pause_limit"]),
    ],
)
def test_a_bad_business_time_table_is_refused_by_key(
    run: Run, tmp_path: Path, toml: str, words: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(toml, encoding="utf-8")
    refused(run("rules", "--rules", str(bad)), *words)


def test_business_time_off_in_the_rules_file_runs_every_clock_24_7(
    run: Run, tmp_path: Path
) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text("[deadlines.business_time]\ngeneral = []\nnon_urgent = []\n", "utf-8")
    case = ok(
        run("log", UNDERCOOKED, *BASIC, "--rules", str(flat), "--json", now="2026-11-20 17:30")
    )
    assert due(case, "contact") == "2026-11-20 18:30"
    assert due(case, "resolution") == "2026-11-21 17:30"  # 1d on the local calendar


def test_counting_survives_export_and_import_in_json_and_csv(
    run: Run, log: Log, tmp_path: Path
) -> None:
    log(UNDERCOOKED, now="2026-09-30 18:20")
    log(UNDERCOOKED, now="2026-10-10 10:00")
    shown = [ok(run("show", str(i), "--json", now="2026-10-10 10:05")) for i in (1, 2)]
    for kind in ("jsonl", "csv"):
        out = tmp_path / f"all.{kind}"
        ok(run("export", "--out", str(out), "--show-phone", now="2026-10-10 10:05"))
        target = tmp_path / f"again-{kind}.db"
        ok(run("import", str(out), "--db", str(target), now="2026-10-10 10:05"))
        for i in (1, 2):
            back = ok(run("show", str(i), "--json", "--db", str(target), now="2026-10-10 10:05"))
            assert back["deadlines"] == shown[i - 1]["deadlines"], kind


def test_a_hostile_counting_in_an_import_is_refused_by_name(
    run: Run, log: Log, tmp_path: Path
) -> None:
    log(UNDERCOOKED, now="2026-09-30 18:20")
    out = tmp_path / "all.jsonl"
    ok(run("export", "--out", str(out), "--show-phone", now="2026-10-01 10:00"))
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    for bad in ({"start": "2026-09-30T18:20:00+08:00"}, {"nonsense": 1}, "1h", [1]):
        record["deadlines"]["contact"]["counting"] = bad
        hostile = tmp_path / "hostile.jsonl"
        hostile.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        target = tmp_path / "target.db"
        result = run("import", str(hostile), "--db", str(target), now="2026-10-01 10:00")
        assert result.exit_code == 2, (bad, result.stderr)
        assert "deadlines.contact.counting" in result.stderr
        assert "Traceback" not in result.output


# -- the rules, pure ---------------------------------------------------------------------

SH = ZoneInfo("Asia/Shanghai")
RULES = default_rules()
CAL = RULES.calendar.work_calendar()
moments = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 20)).map(
    lambda t: t.replace(second=0, microsecond=0, tzinfo=SH)
)


def _working_or_end(moment: datetime) -> bool:
    """Inside a working range of its day, or on the end of one (a due stays at 18:00)."""
    day = CAL.day(moment.date())
    clock = moment.timetz().replace(tzinfo=None)
    return any(start <= clock <= end for start, end in day.hours)


@given(moments, st.sampled_from(["general", "non_urgent"]))
def test_every_business_time_due_is_working_time_after_receipt(
    received: datetime, severity: str
) -> None:
    for milestone, deadline in dl.due_times(severity, received, RULES).items():
        if deadline.due_at is None:
            continue
        assert deadline.business_time, milestone
        assert deadline.due_at >= received
        assert _working_or_end(deadline.due_at), (milestone, deadline.due_at)
        counting = deadline.counting
        assert counting is not None and counting.start == received


@given(moments, moments)
def test_raising_to_urgent_never_makes_a_deadline_later(
    received: datetime, later: datetime
) -> None:
    now = max(received, later)
    before = dl.due_times("general", received, RULES)
    after = dl.raised(before, "urgent", now, RULES)
    for milestone, deadline in after.items():
        was = before[milestone].due_at
        if was is not None and deadline.due_at is not None:
            assert deadline.due_at <= was


def test_overdue_warns_of_a_year_without_data_only_for_what_it_lists(run: Run) -> None:
    ok(run("log", "包装破了", *BASIC, now="2026-12-31 17:00"))  # plan in 2027
    early = run("overdue", now="2026-12-31 17:30")  # nothing late yet: nothing said
    assert early.exit_code == 0 and early.stdout == "" and early.stderr == ""
    late = run("overdue", now="2027-01-01 12:00")  # plan (2027-01-01 11:00) is listed
    assert late.exit_code == 1 and "plan" in late.stdout
    assert late.stderr.count("2027 has no official holidays") == 1
    listed = run("overdue", "--json", now="2027-01-01 12:00")
    assert [r["milestone"] for r in json.loads(listed.stdout)] == ["contact", "forward", "plan"]
    assert "2027 has no official holidays" in listed.stderr
    ok(run("log", "包装破了", *BASIC, now="2026-12-29 09:00"))  # late in 2026 only
    quiet = run("overdue", "--json", now="2026-12-31 17:30")
    assert quiet.exit_code == 1 and "no official holidays" not in quiet.stderr


@pytest.mark.parametrize(
    ("toml", "words"),
    [  # in business time a day holds one working day, not 24 hours
        (
            '[deadlines.general]\ninvestigation = "11h"\n',
            ["deadlines.general.resolution", "earlier than investigation (11h)", "holds 10 h"],
        ),
        (
            "[calendar.hours]\n"
            + "".join(f'{day} = ["09:00-12:00", "13:00-16:30"]\n' for day in WEEKDAYS),
            ["deadlines.general.resolution", "holds 6 h 30 min"],
        ),
    ],
)
def test_a_row_out_of_order_in_working_time_is_refused(
    run: Run, tmp_path: Path, toml: str, words: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(toml, encoding="utf-8")
    refused(run("rules", "--rules", str(bad)), *words)
