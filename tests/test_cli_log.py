"""`aftersales log`: intake, suggestion, deadlines, warnings, prompts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from conftest import BASIC, Run, ok, refused


def test_log_prints_id_suggestion_and_deadlines_in_local_time(run: Run) -> None:
    result = run("log", "孩子们吃完午饭后腹泻", *BASIC, "--org", "实验小学", "--people", "3")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Logged complaint #1." in out
    assert "illness 身体不适" in out and "urgent 紧急" in out
    assert "contact        2026-11-22 10:30  pending · in 30 min" in out
    assert "plan           2026-11-22 12:00  pending · in 2 h" in out
    assert "resolution     2026-11-23 10:00  pending · in 1 d" in out


def test_log_json_is_the_contract(run: Run) -> None:
    data = ok(
        run(
            "log",
            "鸡腿没熟",
            *BASIC,
            "--org",
            "实验小学",
            "--order-no",
            "PO-1",
            "--product",
            "午餐A",
            "--batch",
            "B1121",
            "--delivery-date",
            "2026-11-22",
            "--quantity",
            "120",
            "--defective",
            "8",
            "--request",
            "退款",
            "--json",
        )
    )
    for key in (
        "id",
        "status",
        "received_at",
        "channel",
        "customer",
        "phone",
        "org",
        "order_no",
        "product",
        "batch",
        "category",
        "severity",
        "department",
        "assignee",
        "deadlines",
        "remedy",
        "amount",
        "satisfaction",
        "penalty",
    ):
        assert key in data
    assert data["id"] == 1 and isinstance(data["id"], int)
    assert data["status"] == "new"
    assert data["received_at"] == "2026-11-22T10:00:00+08:00"
    assert (data["category"], data["severity"], data["department"]) == (
        "food_quality",
        "general",
        "production",
    )
    assert list(data["deadlines"]) == [
        "contact",
        "forward",
        "plan",
        "sample",
        "investigation",
        "lab_report",
        "confirm",
        "resolution",
        "revisit",
    ]
    assert data["deadlines"]["contact"] == {
        "due_at": "2026-11-23T09:00:00+08:00",  # logged on Sunday: an hour into Monday
        "done_at": None,
        "state": "pending",
        "extended_from": None,
        "reason": None,
        "business_time": True,
        "counting": {
            "start": "2026-11-22T10:00:00+08:00",
            "duration": "1h",
            "skipped": [
                {"first": "2026-11-22", "last": "2026-11-22", "kind": "weekend", "names": []}
            ],
            "makeup": [],
            "unofficial_years": [],
            "paused_minutes": 0,
        },
    }
    assert data["deadlines"]["revisit"]["state"] == "n/a"
    assert data["deadlines"]["revisit"]["due_at"] is None
    assert data["penalty"] is None
    assert (data["quantity"], data["defective"]) == (120, 8)
    assert data["suggestion"]["category"] == "food_quality"
    assert data["warnings"] == []


def test_hotline_contact_is_done_at_intake(run: Run) -> None:
    data = ok(
        run(
            "log",
            "菜太咸",
            "--channel",
            "热线",
            "--customer",
            "a",
            "--phone",
            "13800000000",
            "--json",
        )
    )
    assert data["channel"] == "hotline"
    assert data["deadlines"]["contact"]["state"] == "met"
    assert data["deadlines"]["contact"]["done_at"] == "2026-11-22T10:00:00+08:00"


def test_given_category_and_severity_in_chinese(run: Run) -> None:
    data = ok(
        run("log", "请联系我", *BASIC, "--category", "配送延误", "--severity", "紧急", "--json")
    )
    assert (data["category"], data["severity"], data["department"]) == (
        "delivery_delay",
        "urgent",
        "delivery",
    )
    assert data["deadlines"]["contact"]["due_at"] == "2026-11-22T10:30:00+08:00"


def test_lowering_below_the_suggestion_needs_a_reason(run: Run, db_path: Path) -> None:
    refused(run("log", "吃完呕吐", *BASIC, "--severity", "general"), "reason", "--reason")
    data = ok(
        run(
            "log",
            "吃完呕吐",
            *BASIC,
            "--severity",
            "general",
            "--reason",
            "客户说明与饭菜无关",
            "--json",
        )
    )
    assert data["severity"] == "general"
    shown = ok(run("show", str(data["id"]), "--json"))
    assert "客户说明与饭菜无关" in shown["events"][0]["note"]


def test_received_at_backfills_a_letter(run: Run) -> None:
    data = ok(
        run(
            "log",
            "信件投诉：配送延误",
            *BASIC,
            "--channel",
            "letter",
            "--received-at",
            "2026-11-20 09:00",
            "--json",
        )
    )
    assert data["received_at"] == "2026-11-20T09:00:00+08:00"
    assert data["deadlines"]["contact"]["state"] == "breached"


def test_received_at_in_the_future_is_refused(run: Run) -> None:
    refused(run("log", "x", *BASIC, "--received-at", "2026-11-22 10:01"), "received_at", "future")


def test_times_with_an_offset_are_converted(run: Run) -> None:
    data = ok(run("log", "x", *BASIC, "--received-at", "2026-11-22T01:30:00Z", "--json"))
    assert data["received_at"] == "2026-11-22T09:30:00+08:00"


def test_another_zone(run: Run) -> None:
    data = ok(
        run(
            "log",
            "x",
            *BASIC,
            "--json",
            env={"AFTERSALES_TZ": "Europe/London", "AFTERSALES_NOW": "2026-11-22 10:00"},
        )
    )
    assert data["received_at"] == "2026-11-22T10:00:00+00:00"


def test_missing_required_field_fails_clearly_without_a_terminal(run: Run, db_path: Path) -> None:
    refused(run("log", "x", "--channel", "online", "--customer", "a"), "phone", "--phone")
    refused(
        run("log", "--channel", "online", "--customer", "a", "--phone", "13800000000"),
        "description",
    )
    refused(run("log", "x", "--customer", "a", "--phone", "13800000000"), "channel")
    assert not db_path.exists()  # bad input never creates or touches the database


def test_repeat_phone_and_batch_warnings(run: Run) -> None:
    ok(run("log", "米饭有馊味", *BASIC, "--batch", "B1121", "--json", now="2026-11-10 09:00"))
    ok(
        run(
            "log",
            "汤里有头发",
            "--channel",
            "online",
            "--customer",
            "李",
            "--phone",
            "139 0000 0000",
            "--product",
            "午餐A",
            "--delivery-date",
            "2026-11-21",
            "--json",
            now="2026-11-21 12:00",
        )
    )
    result = run(
        "log",
        "米饭发酸",
        "--channel",
        "online",
        "--customer",
        "张伟",
        "--phone",
        "+86 138-1234-5678",
        "--batch",
        "B1121",
        "--product",
        "午餐A",
        "--delivery-date",
        "2026-11-21",
        "--json",
    )
    data = ok(result)
    assert any("this phone has complained 1 time(s)" in w for w in data["warnings"])
    assert any("#2" in w and "batch incident" in w for w in data["warnings"])
    assert "#1" not in " ".join(w for w in data["warnings"] if "batch" in w)  # 12 days ago
    assert "warning: this phone" in result.stderr


def test_retained_sample_deadline_for_food_safety(run: Run) -> None:
    result = run("log", "饭菜变质发臭", *BASIC, "--delivery-date", "2026-11-22 11:30")
    assert "Retained sample (留样)" in result.stdout
    assert "2026-11-24 11:30" in result.stdout
    data = ok(run("log", "饭菜变质发臭", *BASIC, "--delivery-date", "2026-11-21", "--json"))
    assert data["sample_until"] == "2026-11-23T00:00:00+08:00"
    quiet = ok(run("log", "送晚了", *BASIC, "--delivery-date", "2026-11-21", "--json"))
    assert quiet["sample_until"] is None


def test_database_is_created_private_with_wal(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "cases.db"
    ok(run("log", "x", *BASIC, "--db", str(target), "--json"))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(target.parent).st_mode) == 0o700
    import sqlite3

    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_db_option_before_the_command_and_env_default(run: Run, tmp_path: Path) -> None:
    first = tmp_path / "first.db"
    ok(run("--db", str(first), "log", "x", *BASIC, "--json"))
    assert first.exists()
    listed = ok(run("list", "--json", "--db", str(first)))
    assert len(listed) == 1
    assert ok(run("list", "--json")) == []  # AFTERSALES_DB is another file


def test_default_database_is_per_user(run: Run, tmp_path: Path) -> None:
    ok(run("log", "x", *BASIC, "--json", env={"AFTERSALES_DB": ""}))
    assert (tmp_path / "home" / "data" / "aftersales" / "aftersales.db").exists()


def test_operator_name_goes_into_the_history(run: Run) -> None:
    ok(run("log", "x", *BASIC, "--by", "小王", "--json"))
    ok(run("assign", "1", "--json"))
    events = ok(run("show", "1", "--json"))["events"]
    assert [e["by"] for e in events] == ["小王", "tester"]


def test_prompts_for_missing_fields_on_a_terminal(run: Run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import aftersales_cli.commands.intake as intake

    monkeypatch.setattr(intake, "interactive", lambda: True)
    # phone first (issue 11), then name, client (Enter: none), description, category (Enter:
    # the suggested one). CliRunner echoes the answers to stdout, before the JSON.
    answers = "13912345678\n王女士\n\n菜里有头发\n\n"
    result = run("log", "--channel", "hotline", "--json", input=answers)
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert (data["customer"], data["phone"], data["category"]) == (
        "王女士",
        "13912345678",
        "foreign_object",
    )
