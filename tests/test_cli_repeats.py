"""Repeats and clusters by client, and phones compared as their digits (issue 9, defects
10 and 11)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from conftest import Run, ok
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules.fields import phone_key


def intake(run: Run, description: str, phone: str, now: str, *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = ok(
        run(
            "log",
            description,
            "--channel",
            "hotline",
            "--customer",
            "王老师",
            "--phone",
            phone,
            *extra,
            "--json",
            now=now,
        )
    )
    return data


def client_warnings(data: dict[str, Any]) -> list[str]:
    return [w for w in data["warnings"] if "complained" in w and "about" in w]


def cluster_warnings(data: dict[str, Any]) -> list[str]:
    return [w for w in data["warnings"] if "one client" in w]


def test_defect_10_late_deliveries_from_one_school_on_three_phones_are_client_repeats(
    run: Run,
) -> None:
    school = ("--org", "实验小学", "--category", "delivery_delay")
    first = intake(run, "午餐送晚了", "13900000001", "2026-11-10 12:00", *school)
    second = intake(run, "午餐又晚了", "13900000002", "2026-11-14 12:10", *school)
    # the same client, typed with a stray space
    third = intake(
        run, "午餐晚了四十分钟", "13900000003", "2026-11-18 12:20", "--org", " 实验小学",
        "--category", "delivery_delay",
    )  # fmt: skip
    assert client_warnings(first) == []
    assert client_warnings(second) == [
        f"实验小学 complained 1 time(s) about delivery_delay in the last 30 days: #{first['id']}"
    ]
    assert client_warnings(third) == [
        f"实验小学 complained 2 time(s) about delivery_delay in the last 30 days: "
        f"#{first['id']}, #{second['id']}"
    ]
    # another category, another client: not a repeat of these
    intake(run, "米饭偏硬", "13900000004", "2026-11-19 12:00", "--org", "实验小学")
    other = intake(run, "午餐送晚了", "13900000005", "2026-11-19 12:30", "--org", "第二中学",
                   "--category", "delivery_delay")  # fmt: skip
    assert client_warnings(other) == []
    report = ok(run("report", "--json"))
    clients = report["kpis"]["repeat_clients"]
    assert (clients["numerator"], clients["denominator"]) == (2, 5)
    assert clients["value"] == 0.4 and clients["target"] is None and clients["met"] is None
    assert report["kpis"]["repeat_rate"]["numerator"] == 0  # five phones: no phone repeats
    assert "Repeat complaints by client" in run("report").stdout
    assert ok(run("check", "--json"))["problems"] == []


def test_a_client_repeat_is_counted_in_the_window_only(run: Run) -> None:
    school = ("--org", "Sunshine School", "--category", "delivery_delay")
    intake(run, "late", "13900000001", "2026-09-01 12:00", *school)
    late = intake(run, "late again", "13900000002", "2026-10-20 12:00", "--org",
                  "ＳＵＮＳＨＩＮＥ  school", "--category", "delivery_delay")  # fmt: skip
    assert client_warnings(late) == []  # 49 days later
    again = intake(run, "late", "13900000003", "2026-11-01 12:00", *school)
    assert len(client_warnings(again)) == 1 and f"#{late['id']}" in client_warnings(again)[0]
    clients = ok(run("report", "--json"))["kpis"]["repeat_clients"]
    assert (clients["numerator"], clients["denominator"]) == (1, 2)


def test_defect_10_illness_at_one_school_in_one_morning_is_a_cluster_without_a_batch(
    run: Run,
) -> None:
    ids = []
    for n in range(6):
        data = intake(
            run,
            "孩子午饭后腹泻",
            f"1390000010{n}",
            f"2026-11-20 {8 + n // 2:02d}:{(n % 2) * 30:02d}",
            "--org",
            "实验小学",
            "--category",
            "illness",
            "--ill",
        )
        ids.append(data["id"])
        warnings = cluster_warnings(data)
        if n == 0:
            assert warnings == []
        else:
            assert len(warnings) == 1, data["warnings"]
            assert (
                f"{n} other food_safety/illness complaint(s) from 实验小学 on 2026-11-20"
                in (warnings[0])
            )
            assert f"#{ids[0]}" in warnings[0]
    report = ok(run("report", "--json"))
    client = [c for c in report["batch_clusters"] if c["kind"] == "client"]
    assert len(client) == 1
    assert client[0]["ids"] == ids and client[0]["count"] == 6
    assert client[0]["key"] == "实验小学 / 2026-11-20"
    assert report["batch_clusters_total"] == 1
    assert "client 实验小学 / 2026-11-20" in run("report").stdout


def test_a_client_cluster_is_one_local_day_not_one_utc_day(run: Run) -> None:
    food = ("--org", "阳光幼儿园", "--category", "food_safety")
    # 23:30 and 00:30 local: one UTC day (15:30Z, 16:30Z), two local days
    intake(run, "饭菜变质", "13900000201", "2026-11-19 23:30", *food)
    after_midnight = intake(run, "饭菜变质", "13900000202", "2026-11-20 00:30", *food)
    assert cluster_warnings(after_midnight) == []
    # 00:30 and 09:00 local: two UTC days (16:30Z on the 19th, 01:00Z), one local day
    morning = intake(run, "饭菜有异味", "13900000203", "2026-11-20 09:00", *food)
    assert len(cluster_warnings(morning)) == 1
    assert f"#{after_midnight['id']}" in cluster_warnings(morning)[0]
    clusters = ok(run("report", "--json"))["batch_clusters"]
    assert [(c["kind"], c["key"], c["count"]) for c in clusters] == [
        ("client", "阳光幼儿园 / 2026-11-20", 2)
    ]


def test_a_batch_cluster_is_not_listed_again_as_a_client_cluster(run: Run) -> None:
    for n in range(3):
        intake(run, "饭菜变质", f"1390000030{n}", f"2026-11-20 1{n}:00", "--org", "实验小学",
               "--category", "food_safety", "--batch", "B-77")  # fmt: skip
    clusters = ok(run("report", "--json"))["batch_clusters"]
    assert [c["kind"] for c in clusters] == ["batch"]


def test_defect_11_list_text_finds_a_phone_however_it_was_typed(run: Run) -> None:
    logged = intake(run, "汤里有头发", "139-0000-0070", "2026-11-20 12:00")
    intake(run, "米饭偏硬", "13800000071", "2026-11-20 12:10")
    for query in (
        "13900000070",
        "139 0000 0070",
        "+86 139 0000 0070",
        "0086 13900000070",
        "(139) 0000-0070",
        "00000070",  # the last eight digits, as an operator types them
    ):
        found = ok(run("list", "--all", "--text", query, "--json"))
        assert [c["id"] for c in found] == [logged["id"]], query
    # a phone logged with its country code is found by its own digits
    abroad = intake(run, "送错了", "+86 (137) 0000-0072", "2026-11-20 12:20")
    found = ok(run("list", "--all", "--text", "13700000072", "--json"))
    assert [c["id"] for c in found] == [abroad["id"]]
    # text that is not a phone is searched as text
    assert ok(run("list", "--all", "--text", "头发", "--json"))[0]["id"] == logged["id"]


def test_defect_11_same_phone_warning_and_repeat_ignore_the_format(run: Run) -> None:
    intake(run, "汤里有头发", "0086 139 0000 0070", "2026-11-20 12:00", "--category",
           "foreign_object")  # fmt: skip
    again = intake(run, "汤里又有头发", "139-0000-0070", "2026-11-21 12:00", "--category",
                   "foreign_object")  # fmt: skip
    assert any("this phone has complained 1 time(s)" in w for w in again["warnings"])
    assert ok(run("report", "--json"))["kpis"]["repeat_rate"]["numerator"] == 1
    assert ok(run("check", "--json"))["problems"] == []


MOBILE = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(MOBILE, st.sampled_from(["", "+86 ", "+86-", "86 ", "86-", "0086 ", "(+86) ", "+86 ("]))
def test_every_way_of_typing_a_mobile_gives_one_key(number: str, prefix: str) -> None:
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    dashed = f"{number[:3]}-{number[3:7]}-{number[7:]}"
    keys = {phone_key(prefix + form) for form in (number, spaced, dashed)}
    assert keys == {number}


def test_landlines_keep_their_trunk_zero_with_or_without_the_country_code() -> None:
    assert phone_key("010-6552 1234") == "01065521234"
    assert phone_key("+86 10 6552 1234") == "01065521234"
    assert phone_key("0086 21 5555 1234") == "02155551234"
    assert phone_key("+1 415 555 1234") == "14155551234"  # not ours to shorten


def test_a_database_of_the_previous_schema_gets_its_client_keys_and_figures(
    run: Run, tmp_path: Path
) -> None:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from aftersales_cli.store import migrations

    db = tmp_path / "v4.db"
    previous = [step for step in migrations.STEPS if step[0] < "0005"]
    database = Database(db)
    steps = Migrations("aftersales")
    for name, step in previous:
        steps(name=name)(step)
    steps.apply(database)
    conn = database.conn
    conn.execute(f"PRAGMA user_version = {len(previous)}")
    base = {"status": "new", "channel": "hotline", "customer": "王", "description": "晚了",
            "severity": "general"}  # fmt: skip
    rows = [
        # (received UTC, phone as typed, phone_key as the old rule kept it, org, category)
        ("2026-11-10 04:00:00", "0086 139 0000 0070", "008613900000070", "实验小学",
         "delivery_delay"),
        ("2026-11-12 04:00:00", "139-0000-0070", "13900000070", "实验小学 ", "delivery_delay"),
        ("2026-11-20 01:00:00", "13900000080", "13900000080", "阳光幼儿园", "illness"),
        ("2026-11-20 02:00:00", "13900000081", "13900000081", "阳光幼儿园", "illness"),
    ]  # fmt: skip
    for received, phone, key, org, category in rows:
        conn.execute(
            """INSERT INTO complaints (status, channel, customer, description, severity,
                 received_at, phone, phone_key, org, category)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (*base.values(), received, phone, key, org, category),
        )
    conn.commit()
    conn.close()
    found = ok(run("list", "--all", "--text", "13900000070", "--json", "--db", str(db)))
    assert sorted(c["id"] for c in found) == [1, 2]
    upgraded = sqlite3.connect(db)
    assert upgraded.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert upgraded.execute(
        "SELECT id, phone_key, org_key, same_gap_minutes, client_gap_minutes FROM complaints"
    ).fetchall() == [
        (1, "13900000070", "实验小学", None, None),
        (2, "13900000070", "实验小学", 2880, 2880),
        (3, "13900000080", "阳光幼儿园", None, None),
        (4, "13900000081", "阳光幼儿园", None, 60),
    ]
    report = ok(run("report", "--json", "--db", str(db)))
    assert report["kpis"]["repeat_clients"]["numerator"] == 2
    assert report["kpis"]["repeat_rate"]["numerator"] == 1
    assert [c["kind"] for c in report["batch_clusters"]] == ["client"]


def test_check_finds_client_figures_and_keys_that_disagree(run: Run, db_path: Path) -> None:
    for n in range(3):
        intake(run, "午餐送晚了", f"1390000040{n}", f"2026-11-2{n} 12:00", "--org", "实验小学",
               "--category", "delivery_delay")  # fmt: skip
    assert ok(run("check", "--json"))["problems"] == []
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE complaints SET client_gap_minutes = 5 WHERE id = 2")
        conn.execute("UPDATE complaints SET org_key = '实验 小学', phone_key = '1' WHERE id = 3")
    conn.close()
    out = run("check").stdout
    assert "complaint #2: its client repeat figure" in out
    assert "complaint #3: stored match keys disagree: phone_key, org_key" in out


def test_a_change_of_category_moves_the_client_repeat(run: Run) -> None:
    school = ("--org", "实验小学", "--category", "delivery_delay")
    intake(run, "午餐送晚了", "13900000501", "2026-11-20 12:00", *school)
    intake(run, "午餐送晚了", "13900000502", "2026-11-21 12:00", *school)
    third = intake(run, "午餐送晚了", "13900000503", "2026-11-21 12:30", *school)
    assert ok(run("report", "--json"))["kpis"]["repeat_clients"]["numerator"] == 2
    ok(run("classify", "2", "--category", "wrong_delivery", now="2026-11-21 13:00"))
    clients = ok(run("report", "--json"))["kpis"]["repeat_clients"]
    assert clients["numerator"] == 1  # #3 now follows #1; #2 is alone in its category
    assert third["id"] == 3
    assert ok(run("check", "--json"))["problems"] == []


def test_a_cluster_warning_does_not_name_the_same_complaints_as_a_repeat(run: Run) -> None:
    sick = ("--org", "实验小学", "--category", "illness", "--ill")
    intake(run, "腹泻", "13900000601", "2026-11-18 12:00", *sick)
    intake(run, "腹泻", "13900000602", "2026-11-20 08:00", *sick)
    third = intake(run, "呕吐", "13900000603", "2026-11-20 09:00", *sick)
    assert client_warnings(third) == [
        "实验小学 complained 2 time(s) about illness in the last 30 days: #1, #2"
    ]  # #1 was two days before: the repeat says so
    assert len(cluster_warnings(third)) == 1
    fourth = intake(run, "呕吐", "13900000604", "2026-11-20 09:30", "--org", "阳光幼儿园",
                    "--category", "illness")  # fmt: skip
    assert fourth["warnings"] == []
    fifth = intake(run, "呕吐", "13900000605", "2026-11-20 10:00", "--org", "阳光幼儿园",
                   "--category", "illness")  # fmt: skip
    assert client_warnings(fifth) == [] and len(cluster_warnings(fifth)) == 1
