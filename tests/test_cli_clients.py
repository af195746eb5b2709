"""The client registry (issue 13): client add, list, show, alias, merge; intake filing an
--org under the registered client; migration 0015 building the registry from the orgs on
file."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import clients
from tests.conftest import BASIC, Run, closed, ok, refused

Log = Callable[..., dict[str, Any]]


def _dump(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return [
            conn.execute(f"SELECT * FROM {t}").fetchall()
            for t in ("clients", "client_aliases", "client_events", "complaints")
        ]


# ---- matching (pure) ------------------------------------------------------------------


def test_names_match_whatever_the_case_width_and_spaces() -> None:
    assert clients.key("name", "  ＡＢＣ 实验小学 ") == clients.key("name", "abc  实验小学")
    assert clients.key("name", "实验小学（东校区）") == "实验小学(东校区)"


def test_a_near_miss_is_a_ratio_of_at_least_0_8() -> None:
    known = [("实验小学", "实验小学"), ("第二中学", "第二中学"), ("实小", "实验小学")]
    assert clients.near_matches("实验小学东校", known) == ["实验小学"]  # 0.8
    assert clients.near_matches("实验中学", known) == []  # 0.75
    assert clients.near_matches("实验小学(东校区)", known) == []  # 0.62


@given(st.text(min_size=1, max_size=12).filter(lambda t: t.strip()))
def test_a_name_is_never_its_own_near_miss(name: str) -> None:
    try:
        key = clients.key("org", name)
    except Exception:
        return
    assert clients.near_matches(name, [(key, "x")]) == []


# ---- client add ------------------------------------------------------------------------


def test_add_registers_a_client_with_its_details(run: Run) -> None:
    data = ok(
        run(
            *("client", "add", "实验小学", "--alias", "实小", "--kind", "学校"),
            *("--since", "2024-09-01", "--key-account", "--contact", "李主任"),
            *("--phone", "13900001111", "--json"),
        )
    )
    assert data["name"] == "实验小学" and data["aliases"] == ["实小"]
    assert data["kind"] == "school" and data["since"] == "2024-09-01"
    assert data["key_account"] is True and data["registered_by"] == "operator"
    assert data["phone"] == "139****1111" and data["updated"] is False
    listed = ok(run("client", "list", "--json"))
    assert [c["name"] for c in listed] == ["实验小学"]


def test_add_of_a_name_intake_registered_fills_it_in(run: Run, log: Log) -> None:
    log(org="实验小学")
    data = ok(run("client", "add", "实验小学", "--kind", "canteen", "--json"))
    assert data["updated"] is True and data["kind"] == "canteen"
    assert data["registered_by"] == "operator"
    assert data["since"] == "2026-11-22"  # its first complaint's day stays


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["client", "add", "实验小学"], ("name", "already a registered client")),
        (["client", "add", "ＳＨＩＹＡＮ小学 "], ("name", "already")),
        (["client", "add", "实小"], ("name", "alias of 实验小学")),
        (["client", "add", "新学校", "--alias", "实小"], ("alias", "实验小学", "client merge")),
        (["client", "add", "新学校", "--alias", "a", "--alias", "A"], ("alias", "twice")),
        (["client", "add", "新学校", "--kind", "zoo"], ("kind", "school (学校)")),
        (["client", "add", "新学校", "--since", "2026-12-01"], ("since", "after today")),
        (["client", "add", "新学校", "--since", "2026-02-30"], ("since",)),
        (["client", "add", "新学校", "--phone", "12"], ("phone", "digits")),
        (["client", "add", "  "], ("name", "must not be empty")),
        (["client", "show", "无名"], ("name", "no client")),
        (["client", "alias", "无名", "x"], ("name", "no client")),
        (["client", "alias", "实验小学", "实小"], ("alias", "already a name of 实验小学")),
        (["client", "alias", "实验小学", "第二中学"], ("alias", "第二中学", "client merge")),
        (["client", "merge", "实验小学", "实小"], ("into", "same client")),
        (["client", "merge", "无名", "实验小学"], ("from", "no client")),
    ],
)
def test_refusals_are_one_line_and_change_nothing(
    run: Run, db_path: Path, argv: list[str], words: tuple[str, ...]
) -> None:
    ok(run("client", "add", "实验小学", "--alias", "实小", "--by", "lead"))
    ok(run("client", "add", "shiyan小学"))
    ok(run("client", "add", "第二中学"))
    before = _dump(db_path)
    refused(run(*argv), *words)
    assert _dump(db_path) == before


# ---- intake ----------------------------------------------------------------------------


def test_log_files_an_alias_under_the_registered_name(run: Run, log: Log) -> None:
    ok(run("client", "add", "实验小学", "--alias", "实小"))
    assert log(org=" 实小 ")["org"] == "实验小学"
    assert log(org="实验小学")["org"] == "实验小学"
    assert len(ok(run("client", "list", "--json"))) == 1


def test_an_unknown_org_registers_a_client_and_names_near_matches(run: Run, log: Log) -> None:
    ok(run("client", "add", "实验小学"))
    result = run("log", "饭菜凉了", *BASIC, "--org", "实验小学东校", "--json")
    data = ok(result)
    assert data["org"] == "实验小学东校"  # accepted as typed, never blocked
    assert "did you mean 实验小学?" in result.stderr
    assert any("did you mean 实验小学?" in w for w in data["warnings"])
    listed = {c["name"]: c for c in ok(run("client", "list", "--json"))}
    assert listed["实验小学东校"]["registered_by"] == "intake"
    assert listed["实验小学东校"]["since"] == "2026-11-22"
    far = run("log", "饭菜凉了", *BASIC, "--org", "第二中学", "--json")
    assert "did you mean" not in far.stderr


# ---- merge and show --------------------------------------------------------------------


def test_merge_makes_names_aliases_and_joins_the_complaints(run: Run, log: Log) -> None:
    log(org="实验小学")
    log(org="实验小学(东校区)")
    log(org="东校")
    refused(run("client", "alias", "实验小学(东校区)", "东校"), "client merge")  # a client itself
    merged = ok(run("client", "merge", "实验小学(东校区)", "实验小学", "--json"))
    assert "实验小学(东校区)" in merged["aliases"]
    shown = ok(run("client", "show", "实验小学（东校区）", "--json"))
    assert shown["name"] == "实验小学" and shown["complaints"] == 2
    assert log(org="实验小学(东校区)")["org"] == "实验小学"
    assert [c["name"] for c in ok(run("client", "list", "--json"))] == ["东校", "实验小学"]


def test_show_counts_open_cases_money_and_revisits(run: Run, log: Log) -> None:
    for _ in range(3):
        log(org="实验小学")
    closed(run, "1", "--amount", "20")
    ok(run("revisit", "1", "--satisfaction", "5"))
    data = ok(run("client", "show", "实验小学", "--json"))
    assert data["complaints"] == 3
    assert data["by_status"] == {"new": 2, "revisited": 1}
    assert [c["id"] for c in data["open"]] == [2, 3]
    assert data["money"]["paid"] == {"refund": 20}
    assert data["revisits"] == {"scored": 1, "satisfied": 1, "satisfaction_rate": 1.0, "mean": 5.0}
    assert data["next_multiplier"] == 2 and data["offences"] == []
    assert [c["id"] for c in data["latest"]] == [3, 2, 1]
    text = run("client", "show", "实验小学").stdout
    assert "Open cases (2)" in text and "the next is fined ×2" in text


# ---- the migration ---------------------------------------------------------------------


def test_migration_builds_the_registry_from_the_orgs_on_file(
    run: Run, log: Log, db_path: Path, tmp_path: Path
) -> None:
    log(org="实验小学", now="2026-11-20 09:00")
    log(org="ＳＨＩＹＡＮ", now="2026-11-21 09:00")
    log(org="shiyan", now="2026-11-19 23:30")  # (intake files it under ＳＨＩＹＡＮ)
    log()
    old = tmp_path / "old.db"
    shutil.copy2(db_path, old)
    with sqlite3.connect(old) as conn:
        conn.executescript(
            """DROP TABLE client_events; DROP TABLE client_aliases; DROP TABLE clients;
               DELETE FROM _sqlite_migrations WHERE name = '0015_clients';
               PRAGMA user_version = 14;
               UPDATE complaints SET org = 'shiyan' WHERE id = 3;"""
        )  # as before the registry: the earliest spelling names the client
    listed = ok(run("client", "list", "--json", "--db", str(old)))
    got = [(c["name"], c["since"], c["registered_by"], c["complaints"]) for c in listed]
    assert got == [
        ("shiyan", "2026-11-19", "intake", 2),
        ("实验小学", "2026-11-20", "intake", 1),
    ]


# ---- intake knows the client ----------------------------------------------------------


def test_a_returning_phone_fills_the_customer_and_client_and_says_so(run: Run, log: Log) -> None:
    first = log(org="实验小学")
    result = run("log", "饭菜又凉了", "--channel", "hotline", "--phone", "138 1234 5678", "--json")
    got = ok(result)
    assert (got["customer"], got["org"]) == ("张伟", "实验小学")
    assert got["filled"] == {"customer": "张伟", "org": "实验小学", "from": first["id"]}
    text = run("log", "饭菜又凉了", "--channel", "hotline", "--phone", "13812345678").stdout
    assert "Filled customer 张伟 and client 实验小学 from complaint #2 (the same phone)." in text
    # a client given is kept; a customer given is perhaps someone else: nothing filled
    got = ok(run("log", "又凉了", "--channel", "hotline", "--phone", "13812345678",
                 "--org", "第二中学", "--json"))  # fmt: skip
    assert (got["customer"], got["org"]) == ("张伟", "第二中学")
    assert got["filled"] == {"customer": "张伟", "from": 3}
    got = ok(run("log", "又凉了", "--channel", "hotline", "--phone", "13812345678",
                 "--customer", "李老师", "--json"))  # fmt: skip
    assert (got["customer"], got["org"], got["filled"]) == ("李老师", None, None)
    # a phone never heard: the customer is required as before
    refused(run("log", "又凉了", "--channel", "hotline", "--phone", "13900000000"), "customer")


def test_log_names_the_clients_other_open_cases(run: Run, log: Log) -> None:
    assert log(org="实验小学")["client_open"] is None  # its first: nothing else open
    log(org="第二中学")
    log(org="实小")  # not registered as an alias: another client
    ok(run("client", "alias", "实验小学", "实验小学本部"))
    got = log(org="实验小学本部")
    assert got["org"] == "实验小学"
    assert got["client_open"] == {"client": "实验小学", "total": 1, "ids": [1]}
    closed(run, "1")
    assert log(org="实验小学")["client_open"] == {"client": "实验小学", "total": 1, "ids": [4]}
    text = run("log", "又凉了", *BASIC, "--org", "实验小学").stdout
    assert "实验小学 has 2 other open case(s)" in text


def test_a_client_with_many_open_cases_shows_the_newest_and_the_count(run: Run, log: Log) -> None:
    for _ in range(7):
        log(org="实验小学")
    got = log(org="实验小学")
    assert got["client_open"] == {"client": "实验小学", "total": 7, "ids": [3, 4, 5, 6, 7]}
    text = run("log", "又凉了", *BASIC, "--org", "实验小学").stdout
    assert "the newest 5 (aftersales client show 实验小学)" in text


def test_at_a_terminal_a_near_miss_is_asked_about(tmp_path: Path) -> None:
    from hostile_support import cli_env, run_in_pty

    db = tmp_path / "t.db"
    env = cli_env(db)
    argv = ["log", "饭菜凉了", "--channel", "hotline", "--customer", "王", "--phone",
            "13812345678"]  # fmt: skip
    code, _, _ = run_in_pty([*argv, "--org", "实验小学"], env, stderr_on_terminal=True)
    assert code == 0
    asked = b"Did you mean \xe5\xae\x9e\xe9\xaa\x8c\xe5\xb0\x8f\xe5\xad\xa6?"  # 实验小学
    code, shown, _ = run_in_pty(
        [*argv, "--org", "实验小学东校"], env, script=[(asked, b"\r")], stderr_on_terminal=True
    )
    assert code == 0, shown
    code, shown, _ = run_in_pty(
        [*argv, "--org", "实验小学东校"], env, script=[(asked, b"n\r")], stderr_on_terminal=True
    )
    assert code == 0, shown
    with sqlite3.connect(db) as conn:
        orgs = [r[0] for r in conn.execute("SELECT org FROM complaints ORDER BY id")]
        names = [r[0] for r in conn.execute("SELECT name FROM clients ORDER BY id")]
    assert orgs == ["实验小学", "实验小学", "实验小学东校"]
    assert names == ["实验小学", "实验小学东校"]
