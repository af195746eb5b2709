"""Clients and survey responses through `export` and `import` (issue 13): JSON Lines
carries them after the complaints, `import` restores them checked field by field, all or
nothing, ids kept; an org nobody registered is registered as `log` registers it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import BASIC, Run, ok
from test_import_checks import jsonl, refused_rows

SCORES = ("--food", "4", "--taste", "5", "--hygiene", "3", "--delivery", "4")
SCORES += ("--packaging", "4", "--service", "5", "--price", "2")


@pytest.fixture
def registry(run: Run, tmp_path: Path) -> Path:
    """A database with a complaint, clients merged twice over, aliases, a contact's phone
    and two survey responses."""
    source = tmp_path / "source.db"
    db = ("--db", str(source))
    ok(run("log", "饭菜有异物", *BASIC, "--org", "实验小学", *db, now="2026-11-20 09:00"))
    ok(run("client", "add", "实验中学", "--alias", "一中", "--key-account", *db))
    ok(run("client", "add", "三中", "--contact", "李老师", "--phone", "13900001111", *db))
    ok(run("client", "merge", "实验小学", "实验中学", *db))
    ok(run("client", "merge", "实验中学", "三中", *db))
    ok(run("client", "add", "机关食堂", "--kind", "canteen", *db))
    ok(run("survey", "record", "--client", "一中", *SCORES, "--comment", "贵\n太贵", *db))
    ok(run("survey", "record", "--client", "机关食堂", *SCORES, "--respondent", "王", *db))
    return source


def records(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_carries_clients_then_responses_after_the_complaints(
    run: Run, registry: Path
) -> None:
    found = records(run("export", "--db", str(registry)).stdout)
    kinds = [next(iter(r)) if len(r) == 1 else "complaint" for r in found]
    assert kinds == ["complaint", *["client"] * 4, *["survey_response"] * 2]
    clients = {r["client"]["name"]: r["client"] for r in found if "client" in r}
    assert clients["三中"]["phone"] == "139****1111"  # masked without --show-phone
    assert "13900001111" not in json.dumps(found)  # in the history too
    assert clients["实验小学"]["merged_into"] == clients["三中"]["id"]  # no chain
    assert sorted(clients["三中"]["aliases"]) == sorted(["实验中学", "一中", "实验小学"])
    assert [e["action"] for e in clients["三中"]["events"]] == ["register", "merge"]
    response = found[-2]["survey_response"]
    assert response["client_id"] == clients["三中"]["id"]  # 一中 is 三中's since the merge
    assert response["scores"]["price"] == 2 and response["comment"] == "贵\n太贵"


def test_csv_carries_complaints_only(run: Run, registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    ok(run("export", "--out", str(out), "--db", str(registry)))
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 2  # header, complaint


def test_round_trip_keeps_every_client_and_response(
    run: Run, registry: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(exported), "--db", str(registry)))
    empty = tmp_path / "empty.db"
    result = ok(run("import", str(exported), "--db", str(empty), "--json"))
    assert result == {"imported": 1, "ids": [1], "clients": 4, "survey_responses": 2}
    again = tmp_path / "again.jsonl"
    ok(run("export", "--show-phone", "--out", str(again), "--db", str(empty)))
    assert again.read_bytes() == exported.read_bytes()
    for argv in (["client", "list"], ["client", "show", "一中"], ["survey", "report"]):
        mine = run(*argv, "--json", "--db", str(empty)).stdout
        assert mine == run(*argv, "--json", "--db", str(registry)).stdout, argv
    text = run("import", str(exported), "--db", str(tmp_path / "other.db")).stdout
    assert "with 4 client(s), 2 survey response(s)." in text
    ok(run("check", "--db", str(empty)))


def _export(run: Run, db: Path, tmp_path: Path) -> list[dict[str, Any]]:
    return records(run("export", "--show-phone", "--db", str(db)).stdout)


def test_a_client_already_registered_is_refused_by_name(
    run: Run, registry: Path, tmp_path: Path
) -> None:
    rows = [r for r in _export(run, registry, tmp_path) if "client" in r]
    target = tmp_path / "target.db"
    ok(run("client", "add", "机关食堂", "--db", str(target)))
    before = target.read_bytes()
    row = [r for r in rows if r["client"]["name"] == "机关食堂"][0]
    path = jsonl(tmp_path / "c.jsonl", [row])
    result = run("import", str(path), "--db", str(target))
    [line] = refused_rows(result, path, (1, "client.name"))
    assert "机关食堂 is already the client 机关食堂 (id 1)" in line and "does not merge" in line
    row["client"]["id"] = 1
    path = jsonl(tmp_path / "c.jsonl", [row])
    [line] = refused_rows(run("import", str(path), "--db", str(target)), path, (1, "client.id"))
    assert "client 1 is already in this database" in line
    row["client"]["id"] = 99
    row["client"]["name"], row["client"]["aliases"] = "新名", ["机关食堂"]
    path = jsonl(tmp_path / "c.jsonl", [row])
    refused_rows(run("import", str(path), "--db", str(target)), path, (1, "client.aliases[0]"))
    assert target.read_bytes() == before


BAD_CLIENTS: list[tuple[str, Any, str]] = [
    ("name", "", "client.name"),
    ("name", 5, "client.name"),
    ("kind", "farm", "client.kind"),
    ("since", "2027-01-01", "client.since"),
    ("phone", "139 ** 1111", "client.phone"),  # (masked: test_import_refusals)
    ("registered_by", "robot", "client.registered_by"),
    ("merged_into", "2", "client.merged_into"),
    ("aliases", ["甲", "甲"], "client.aliases[1]"),
    ("aliases", "甲", "client.aliases"),
    ("events", [], "client.events"),
    (
        "events",
        [{"at": "2026-11-20T10:00:00+08:00", "by": "x", "action": "merge"}],
        "client.events[0].action",
    ),
    ("created_at", None, "client.created_at"),
    ("colour", "red", "client.colour"),
]


@pytest.mark.parametrize(("key", "value", "field"), BAD_CLIENTS)
def test_a_bad_client_row_is_named_by_line_and_field(
    run: Run, registry: Path, tmp_path: Path, key: str, value: Any, field: str
) -> None:
    rows = _export(run, registry, tmp_path)
    rows[-3]["client"][key] = value  # 机关食堂, line 5 (its response left out)
    path = jsonl(tmp_path / "bad.jsonl", rows[:-1])
    empty = tmp_path / "empty.db"
    refused_rows(run("import", str(path), "--db", str(empty)), path, (5, field))


BAD_RESPONSES: list[tuple[str, Any, str]] = [
    ("scores", {"food": 6}, "survey_response.scores.food"),
    ("scores", {"food": "4"}, "survey_response.scores.food"),
    ("scores", {"smell": 4}, "survey_response.scores.smell"),
    ("scores", {}, "survey_response.scores"),
    ("method", "fax", "survey_response.method"),
    ("at", "2027-01-01T00:00:00+08:00", "survey_response.at"),
    ("client_id", 42, "survey_response.client_id"),
    ("by", None, "survey_response.by"),
    ("comment", "a\x1b[31m", "survey_response.comment"),
]


@pytest.mark.parametrize(("key", "value", "field"), BAD_RESPONSES)
def test_a_bad_response_row_is_named_by_line_and_field(
    run: Run, registry: Path, tmp_path: Path, key: str, value: Any, field: str
) -> None:
    rows = _export(run, registry, tmp_path)
    rows[-1]["survey_response"][key] = value
    path = jsonl(tmp_path / "bad.jsonl", rows)
    refused_rows(run("import", str(path), "--db", str(tmp_path / "e.db")), path, (7, field))


def test_a_response_id_taken_and_a_merge_in_a_circle_are_refused(
    run: Run, registry: Path, tmp_path: Path
) -> None:
    rows = _export(run, registry, tmp_path)
    rows[-1]["survey_response"]["id"] = rows[-2]["survey_response"]["id"]
    path = jsonl(tmp_path / "bad.jsonl", rows)
    result = run("import", str(path), "--db", str(tmp_path / "e.db"))
    lines = refused_rows(result, path, (7, "survey_response.id"))
    assert "earlier in this file" in lines[0]
    rows = _export(run, registry, tmp_path)
    san = rows[3]["client"]
    assert san["name"] == "三中"
    san["merged_into"] = rows[1]["client"]["id"]  # 三中 into 实验小学, itself into 三中
    path = jsonl(tmp_path / "circle.jsonl", rows)
    lines = refused_rows(
        run("import", str(path), "--db", str(tmp_path / "e.db")),
        path,
        (2, "client.merged_into"),
        (3, "client.merged_into"),
        (4, "client.merged_into"),
    )
    assert "in a circle" in lines[0]


def test_import_registers_the_orgs_it_does_not_know(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "t.db"
    db = ("--db", str(target))
    ok(run("client", "add", "实验小学", "--alias", "实小", *db))
    form = tmp_path / "form.csv"
    form.write_text(
        "提交时间,渠道,姓名,电话,单位,问题描述\n"
        "2026-11-21 09:00,online,王,13812345678,实小,饭凉了\n"
        "2026-11-21 10:00,online,李,13812345679,实验小学校,有异物\n",
        encoding="utf-8",
    )
    result = run("import", str(form), *db)
    ok(result)
    assert "实验小学校 is a new client (registered); did you mean 实验小学?" in result.stderr
    shown = ok(run("show", "1", "--json", *db))
    assert shown["org"] == "实验小学"  # filed under the registered name, as log files it
    names = sorted(c["name"] for c in ok(run("client", "list", "--json", *db)))
    assert names == ["实验小学", "实验小学校"]
    # an export's complaints (CSV, or JSON Lines without clients): their orgs registered
    exported = tmp_path / "all.csv"
    ok(run("export", "--show-phone", "--out", str(exported), *db))
    other = tmp_path / "o.db"
    ok(run("import", str(exported), "--db", str(other)))
    listed = ok(run("client", "list", "--json", "--db", str(other)))
    assert sorted(c["name"] for c in listed) == ["实验小学", "实验小学校"]
    assert {c["registered_by"] for c in listed} == {"intake"}


# ---- check knows the registry and the survey ----------------------------------------------


def _tampered(run: Run, registry: Path, sql: str, *params: Any) -> str:
    assert ok(run("check", "--json", "--db", str(registry)))["problems"] == []
    conn = sqlite3.connect(registry)
    with conn:
        conn.execute(sql, params)
    conn.close()
    result = run("check", "--db", str(registry))
    assert result.exit_code == 1, result.output
    assert "problem" in result.stdout
    found: list[dict[str, Any]] = ok_or_one(run("check", "--json", "--db", str(registry)))
    [problem] = found
    assert problem["complaint_id"] is None
    assert f"database: {problem['problem']}" in result.stdout
    return str(problem["problem"])


def ok_or_one(result: Any) -> Any:
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["problems"]


def _id(registry: Path, name: str) -> int:
    conn = sqlite3.connect(registry)
    (found,) = conn.execute("SELECT id FROM clients WHERE name = ?", (name,)).fetchone()
    conn.close()
    return int(found)


def test_check_finds_a_name_that_is_also_an_alias(run: Run, registry: Path) -> None:
    problem = _tampered(
        run,
        registry,
        "INSERT INTO client_aliases (key, alias, client_id) VALUES ('机关食堂', '机关食堂', ?)",
        _id(registry, "三中"),
    )
    canteen, third = _id(registry, "机关食堂"), _id(registry, "三中")
    assert problem == f"client {canteen} (机关食堂): its name is also an alias of client {third}"


def test_check_finds_an_alias_of_a_merged_client(run: Run, registry: Path) -> None:
    merged = _id(registry, "实验中学")
    problem = _tampered(
        run, registry, "UPDATE client_aliases SET client_id = ? WHERE alias = '一中'", merged
    )
    assert problem == (
        f"client {merged} (实验中学) was merged into client {_id(registry, '三中')} but keeps "
        "the alias 一中"
    )


def test_check_finds_a_chain_of_merges(run: Run, registry: Path) -> None:
    school, middle, third = (_id(registry, n) for n in ("实验小学", "实验中学", "三中"))
    problem = _tampered(
        run, registry, "UPDATE clients SET merged_into = ? WHERE id = ?", middle, school
    )
    assert problem == (
        f"client {school} (实验小学) is merged into client {middle}, itself merged into "
        f"client {third} (a chain)"
    )


def test_check_finds_a_circle_of_merges(run: Run, registry: Path) -> None:
    middle, third = _id(registry, "实验中学"), _id(registry, "三中")
    conn = sqlite3.connect(registry)
    with conn:  # 实验小学 → 三中 → 实验中学 → 三中 … (two problems: two in the circle)
        conn.execute("UPDATE clients SET merged_into = ? WHERE id = ?", (middle, third))
    conn.close()
    result = run("check", "--json", "--db", str(registry))
    problems = [p["problem"] for p in ok_or_one(result)]
    assert (
        f"client {middle} (实验中学) is merged into client {third}, itself merged into client "
        f"{middle} (a chain that comes back to it)"
    ) in problems
    assert any("实验小学" in p and "(a chain)" in p for p in problems)


def test_check_finds_a_response_whose_total_disagrees_with_its_scores(
    run: Run, registry: Path
) -> None:
    problem = _tampered(
        run,
        registry,
        "INSERT INTO survey_scores (response_id, aspect, score, at) VALUES (1, 'smell', 5, 'x')",
    )
    assert problem == "survey response 1 keeps 27 over 7 score(s), its scores give 32 over 8"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": [None, "red"]}, "client.events[0].changes.colour"),
        ({"name": "x"}, "client.events[0].changes.name"),
        ({"name": [None, "a\x1b[2Jb"]}, "client.events[0].changes.name"),
        ({"aliases": [None, [{"a": 1}]]}, "client.events[0].changes.aliases"),
    ],
)
def test_a_client_history_names_only_a_client_s_fields(
    run: Run, registry: Path, tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    rows = _export(run, registry, tmp_path)
    rows[-3]["client"]["events"][0]["changes"] = changes
    path = jsonl(tmp_path / "bad.jsonl", rows[:-1])
    refused_rows(run("import", str(path), "--db", str(tmp_path / "e.db")), path, (5, field))
