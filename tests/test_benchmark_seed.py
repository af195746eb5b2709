"""The benchmark seed writes what the tool itself would have written (small runs)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import Run, ok

from aftersales_cli import clock
from aftersales_cli.reports import period
from aftersales_cli.rules import actions as action_rules
from aftersales_cli.rules import fields, history, lifecycle
from aftersales_cli.rules import survey as survey_rules
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.taxonomy import ACTIVE_STATUSES, MILESTONE_KEYS, SEVERITY_RANK
from aftersales_cli.store import actions as action_store
from aftersales_cli.store import codec, health, search
from aftersales_cli.store import complaints as store
from aftersales_cli.store import survey as survey_store
from aftersales_cli.store.db import open_db
from aftersales_cli.store.events import Event
from aftersales_cli.store.migrations import SCHEMA_VERSION

SURVEY_ASPECTS = ("food", "taste", "hygiene", "delivery", "packaging", "service", "price")
SEED = Path(__file__).resolve().parent.parent / "benchmarks" / "seed.py"


def seed(tmp_path: Path, count: int) -> Path:
    db = tmp_path / "seeded.db"
    result = subprocess.run(
        [sys.executable, str(SEED), "--count", str(count), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        env={
            "AFTERSALES_NOW": "2026-11-22 10:00",
            "PATH": "/usr/bin:/bin",
            # the source under test, when it is not the installed one (a worktree)
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        },
    )
    assert result.returncode == 0, result.stderr
    return db


def test_seeded_rows_are_what_the_store_would_write(tmp_path: Path) -> None:
    db = seed(tmp_path, 3000)
    conn = open_db(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM complaints")}
    assert len(rows) == 3000
    for complaint_id in range(1, 3001, 7):
        case = store.get(conn, complaint_id)
        for column, value in codec.report_figures(case).items():
            assert rows[complaint_id][column] == value, (complaint_id, column)
    gaps = dict(conn.execute("SELECT id, same_gap_minutes FROM complaints"))
    for row in conn.execute("SELECT phone_key, category, received_at, id FROM complaints"):
        store.refresh_repeats(conn, row[0], row[1], row[3], row[2])
    assert dict(conn.execute("SELECT id, same_gap_minutes FROM complaints")) == gaps
    clients = dict(conn.execute("SELECT id, client_gap_minutes FROM complaints"))
    assert sum(gap is not None for gap in clients.values()) > 1000
    for row in conn.execute("SELECT org_key, category, received_at, id, org FROM complaints"):
        assert row[0] == fields.client_key(row[4])
        store.refresh_repeats(conn, row[0], row[1], row[3], row[2], by="org_key")
    assert dict(conn.execute("SELECT id, client_gap_minutes FROM complaints")) == clients
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM complaints GROUP BY status"))
    assert statuses["revisited"] > 2500 and statuses.get("new", 0) > 0
    assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0] > 0  # analysed
    # the text index holds every complaint and note, as the store would have made it
    assert list(health.search_index_disagrees(conn)) == []
    customer, phone = conn.execute(
        "SELECT customer, phone FROM complaints WHERE id = 77"
    ).fetchone()
    for text in ("馊味", customer, phone[-4:]):
        found = [c.id for c in search.search(conn, search.Query(text=text))]
        scanned = [
            row[0]
            for row in conn.execute(
                "SELECT c.id FROM complaints c WHERE c.description LIKE :p OR c.customer LIKE :p"
                " OR c.phone LIKE :p OR c.batch LIKE :p OR c.order_no LIKE :p"
                " OR c.product LIKE :p OR c.org LIKE :p OR EXISTS (SELECT 1 FROM events e"
                " WHERE e.complaint_id = c.id AND e.note LIKE :p)"
                " ORDER BY c.received_at DESC, c.id DESC",
                {"p": f"%{text}%"},
            )
        ]
        assert found == scanned and found, text
    # `list` reads the most pressing first by walking the pending deadlines: the order is
    # the one a sort of every match by its nearest pending deadline gives
    by_deadline = """SELECT c.id, (SELECT MIN(d.due_at) FROM deadlines d WHERE d.complaint_id = c.id
                            AND d.done_at IS NULL AND d.due_at IS NOT NULL) AS next_due
                     FROM complaints c {}
                     ORDER BY next_due IS NULL, next_due, c.received_at DESC, c.id DESC"""
    everything = [row[0] for row in conn.execute(by_deadline.format(""))]
    assert [c.id for c in search.search(conn, search.Query())] == everything
    assert [c.id for c in search.search(conn, search.Query(limit=50))] == everything[:50]
    active = [
        row[0]
        for row in conn.execute(
            by_deadline.format(f"WHERE c.status IN ({','.join('?' * len(ACTIVE_STATUSES))})"),
            ACTIVE_STATUSES,
        )
    ]
    assert [c.id for c in search.search(conn, search.Query(statuses=ACTIVE_STATUSES))] == active
    revisited = search.Query(statuses=("revisited",), limit=30)  # none pending: all "rest"
    assert [c.id for c in search.search(conn, revisited)] == [
        row[0]
        for row in conn.execute(by_deadline.format("WHERE c.status = 'revisited'") + " LIMIT 30")
    ]


def test_the_tool_works_on_a_seeded_database(run: Run, tmp_path: Path) -> None:
    db = seed(tmp_path, 2000)
    assert len(ok(run("list", "--json", "--db", str(db)))) > 0
    assert ok(run("report", "--quarter", "last", "--json", "--db", str(db)))["total"] > 0
    assert run("overdue", "--db", str(db)).exit_code in (0, 1)
    data = ok(run("show", "1000", "--json", "--db", str(db)))
    assert json.dumps(data)  # a whole case, with its history
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] >= 2000


# What the commands write: `log` first, then the steps of the desk.
SEED_ACTIONS = {
    "log",
    "classify",
    "assign",
    "done",
    "extend",
    "close",
    "revisit",
    "breached",
    "action",
}
MULTILINE = {"description", "request", "note", "revisit_note", "reason"}


def _stored(value: Any) -> Any:
    """A field's value as the history holds it (JSON: UTC text, ISO day, yuan number)."""
    if isinstance(value, datetime):
        return clock.to_utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _unset(value: Any) -> Any:
    """`lifecycle.changes` leaves out what a new case does not set (None, False, 0)."""
    return None if value is None or value is False or value == 0 else value


def _replay(
    case: Case, events: list[Event], now: datetime, actions: list[action_rules.Action]
) -> list[str]:
    """Every way the history disagrees with itself, the rules, the row or the complaint's
    corrective actions."""
    problems = [f"{field}: {message}" for field, message in history.history_problems(case, events)]
    problems += [
        f"{field}: {message}" for field, message in action_rules.history_problems(actions, events)
    ]
    for action in actions:
        if action.breach_noted != action.late(now) or action.opened_at > now:
            problems.append(f"actions.{action.id}: breach_noted {action.breach_noted}")
    low = datetime(2000, 1, 1, tzinfo=UTC)
    if events[0].action != "log":
        problems.append(f"first action {events[0].action}")
    folded: dict[str, Any] = {}
    breached: Counter[str] = Counter()
    for n, event in enumerate(events):
        if event.action not in SEED_ACTIONS:
            problems.append(f"events[{n}].action {event.action}")
        if not low <= event.at <= now or (n and event.at < events[n - 1].at):
            problems.append(f"events[{n}].at {event.at} out of order or range")
        fields.text("by", event.by)
        if event.note is not None:
            fields.text("note", event.note, limit=fields.TEXT_MAX, multiline=True)
        for key, (old, new) in event.changes.items():
            for value in (old, new):
                if isinstance(value, str):
                    part = key.rsplit(".", 1)[-1]
                    fields.text(key, value, limit=fields.TEXT_MAX, multiline=part in MULTILINE)
                    if history.is_time_key(key):
                        moment = clock.from_utc_text(value)
                        due = key.endswith((".due_at", ".extended_from"))
                        high = datetime(2100, 1, 1, tzinfo=UTC) if due else now
                        assert low <= moment <= high, (case.id, key, value)
            if key.endswith(".state") and key.startswith("deadlines."):
                assert event.action == "breached" and [old, new] == ["pending", "breached"]
                breached[key.split(".")[1]] += 1
                continue
            if action_rules.is_key(key):  # a corrective action's: replayed on its own
                assert (event.action == "breached") == key.endswith(".late"), (case.id, key)
                continue
            if _unset(folded.get(key)) != _unset(old):
                problems.append(f"events[{n}].changes.{key}: old {old!r}, was {folded.get(key)!r}")
            folded[key] = new
    row = {key: _stored(new) for key, (_, new) in lifecycle.changes(None, case).items()}
    for key in set(row) | set(folded):
        if _unset(folded.get(key)) != _unset(row.get(key)):
            problems.append(
                f"{key}: the history ends at {folded.get(key)!r}, the row has {row.get(key)!r}"
            )
    for milestone, deadline in case.deadlines.items():
        if deadline.breach_noted != (deadline.state(now) == "breached"):
            problems.append(f"deadlines.{milestone}: breach_noted {deadline.breach_noted}")
        if deadline.breach_noted and not breached[milestone]:
            problems.append(f"deadlines.{milestone}: breached without its event")
    return problems


def test_seeded_histories_are_what_the_commands_would_have_written(tmp_path: Path) -> None:
    """Issue 8: `check` and `import` accept the seeded data — each history runs in time
    order from `log`, names only known fields, adds up to the row (every field, the status
    above all), and the row's fields pass the field checks."""
    db = seed(tmp_path, 2000)
    conn = open_db(db)
    now = clock.now()  # the seed's: both pinned to the same AFTERSALES_NOW
    actions: Counter[str] = Counter()
    bad: dict[int, list[str]] = {}
    for case, events in search.iterate(conn, search.Query()):
        assert case.id is not None
        actions.update(e.action for e in events)
        problems = _replay(case, events, now, action_store.of_case(conn, case.id))
        figures = codec.report_figures(case)
        stored = conn.execute(
            f"SELECT {', '.join(figures)} FROM complaints WHERE id = ?", (case.id,)
        ).fetchone()
        if tuple(stored) != tuple(figures.values()):
            problems.append(f"report figures {tuple(stored)} != {figures}")
        fields.phone(case.phone)
        for name in ("customer", "org", "order_no", "product", "batch", "assignee"):
            if getattr(case, name) is not None:
                fields.text(name, getattr(case, name))
        fields.text("description", case.description, limit=fields.TEXT_MAX, multiline=True)
        for name in ("amount", "supply_value", "price", "statutory_compensation"):
            if getattr(case, name) is not None:
                fields.amount(name, str(getattr(case, name)))
        assert case.delivery_date is None or case.delivery_date <= case.received_at.date()
        if problems:
            bad[case.id] = problems
    assert not bad, f"{len(bad)} complaint(s), e.g. {next(iter(bad.items()))}"
    # Every kind of step is there to be checked, reopened cases included.
    assert set(actions) == SEED_ACTIONS, actions
    reopened = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM complaints WHERE reopen_count > 0 GROUP BY status"
        )
    )
    assert reopened.get("reopened", 0) > 0 and reopened.get("revisited", 0) > 0, reopened


def test_the_case_file_is_seeded_as_the_commands_would_have_kept_it(
    run: Run, tmp_path: Path
) -> None:
    """Issue 12: corrective actions on a few closed food safety, illness and foreign object
    cases (most verified, some only done, a forgotten one open past due) and the illness
    details of ill cases — which `check` accepts, `overdue` lists and the report counts."""
    db = seed(tmp_path, 3000)
    assert ok(run("check", "--json", "--db", str(db)))["problem_count"] == 0
    conn = open_db(db)
    states = dict(conn.execute("SELECT state, COUNT(*) FROM actions GROUP BY state"))
    assert states["verified"] > states["done"] > 0 and states["open"] > 0, states
    shares = conn.execute(
        """SELECT COUNT(DISTINCT a.complaint_id), (SELECT COUNT(*) FROM complaints
                  WHERE closed_at IS NOT NULL
                    AND category IN ('food_safety', 'illness', 'foreign_object'))
           FROM actions a"""
    ).fetchone()
    assert 0.01 < shares[0] / shares[1] < 0.1, shares  # a few per cent
    now = clock.to_utc_text(clock.now())
    late = [
        tuple(row)
        for row in conn.execute(
            "SELECT id, complaint_id, department, owner FROM actions"
            " WHERE state = 'open' AND due_at < ? ORDER BY id",
            (now,),
        )
    ]
    assert late, "a forgotten action, open past its due time"
    result = run("overdue", "--json", "--db", str(db))
    assert result.exit_code == 1  # something is late
    rows = json.loads(result.stdout)
    listed = [
        (row["action_id"], row["id"], row["department"], row["owner"])
        for row in rows
        if row["milestone"] == "action"
    ]
    assert sorted(listed) == late
    # in their place among the late milestones: the most severe first, then the most late
    steps = [*MILESTONE_KEYS, "action"]
    assert len({row["severity"] for row in rows}) > 1 and len(rows) > len(late)
    assert rows == sorted(
        rows,
        key=lambda row: (
            -SEVERITY_RANK[row["severity"]],
            clock.from_utc_text(row["due_at"]),
            row["id"],
            steps.index(row["milestone"]),
            row.get("action_id", 0),
        ),
    )
    ill = conn.execute(
        """SELECT COUNT(*), COUNT(symptoms), COUNT(onset_at), COUNT(eaten), SUM(hospital),
                  SUM(onset_at > received_at)
           FROM complaints WHERE ill = 1"""
    ).fetchone()
    assert ill[0] > 50 and min(ill[1:5]) > 0.25 * ill[0] and ill[5] == 0, tuple(ill)
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM complaints WHERE ill = 0 AND (symptoms IS NOT NULL OR hospital)"
        ).fetchone()[0]
        == 0
    )
    report = ok(run("report", "--from", "2024-11-01", "--json", "--db", str(db)))
    assert sum(row["opened"] for row in report["corrective_actions"]) == sum(states.values())
    assert report["illness"]["cases"] == ill[0] and report["illness"]["hospital"] == ill[4]


def test_the_registry_and_the_survey_are_seeded_as_the_commands_would_have_kept_them(
    run: Run, tmp_path: Path
) -> None:
    """Issue 13: every client the complaints name is registered (kinds, since dates before
    its first complaint, key accounts, contacts with phones, a few aliases, two clients
    merged into others, two new ones), and one survey response per ten complaints over the
    two years, every aspect scored — which `check` and `import` accept and the commands
    show."""
    db = seed(tmp_path, 3000)
    assert ok(run("check", "--json", "--db", str(db)))["problem_count"] == 0
    conn = open_db(db)
    named = {row[0] for row in conn.execute("SELECT DISTINCT org FROM complaints")} - {None}
    live = {
        row[0]: row
        for row in conn.execute(
            "SELECT name, kind, since, key_account, contact, phone FROM clients"
            " WHERE merged_into IS NULL"
        )
    }
    assert named < set(live)  # and the new ones, with no complaint yet
    firsts = dict(conn.execute("SELECT org, MIN(received_at) FROM complaints GROUP BY org"))
    for name in named:
        _, kind, since, _, contact, phone = live[name]
        assert kind in ("school", "office", "canteen", "other") and since < firsts[name][:10]
        assert (contact is None) == (phone is None)
        assert phone is None or fields.phone(phone)
    assert 0 < sum(row[3] for row in live.values()) < len(live) / 2  # some key accounts
    assert sum(row[4] is not None for row in live.values()) > len(live) * 0.8
    merged = conn.execute(
        "SELECT c.name, t.name FROM clients c JOIN clients t ON t.id = c.merged_into"
    ).fetchall()
    assert len(merged) == 2
    for source, target in merged:  # its name is an alias of the client it went into
        assert source in ok(run("client", "show", target, "--json", "--db", str(db)))["aliases"]
    assert conn.execute("SELECT COUNT(*) FROM client_aliases").fetchone()[0] > len(merged)
    now = clock.to_utc_text(clock.now())
    new = conn.execute(
        "SELECT COUNT(*) FROM clients WHERE since >= date(?, '-3 months')", (now[:10],)
    ).fetchone()[0]
    assert new == 2
    # the survey: every aspect scored 1–5, taste and price lower, most 4–5
    assert conn.execute("SELECT COUNT(*) FROM survey_responses").fetchone()[0] == 300
    span = "SELECT MIN(at) < date(?, '-23 months'), MAX(at) < ? FROM survey_responses"
    assert tuple(conn.execute(span, (now, now)).fetchone()) == (1, 1)
    means = dict(conn.execute("SELECT aspect, AVG(score) FROM survey_scores GROUP BY aspect"))
    assert (
        len(means) == 7 and conn.execute("SELECT COUNT(*) FROM survey_scores").fetchone()[0] == 2100
    )
    assert max(means["price"], means["taste"]) < min(
        v for k, v in means.items() if k not in ("price", "taste")
    )
    assert 0.7 < conn.execute("SELECT AVG(score >= 4) FROM survey_scores").fetchone()[0] < 0.95
    shares = conn.execute(
        "SELECT AVG(comment IS NOT NULL), COUNT(DISTINCT method), AVG(respondent IS NOT NULL)"
        " FROM survey_responses"
    ).fetchone()
    assert 0.3 < shares[0] < 0.5 and shares[1] == 3 and shares[2] > 0.7, tuple(shares)
    for respondent, key in conn.execute("SELECT respondent, respondent_key FROM survey_responses"):
        assert key == (fields.client_key(respondent) if respondent else "")
    # responses of a merged client before its merge count for the client it went into
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM survey_responses r JOIN clients c ON c.id = r.client_id"
            " WHERE c.merged_into IS NOT NULL"
        ).fetchone()[0]
        > 0
    )
    report = ok(run("survey", "report", "--quarter", "last", "--json", "--db", str(db)))
    assert report["responses"] > 0 and report["planned"] > 0 and report["low_aspects"]
    # the report counts the plan's customers without drawing them: the plan's own rows,
    # a few customers among them answering (by name, for their client)
    planned = ok(run("survey", "plan", "--quarter", "last", "--json", "--db", str(db)))["rows"]
    rows = [
        survey_rules.PlanRow(r["reason"], r["client"], r["name"], r["phone"], r["detail"])
        for r in planned
    ]
    customers = [r for r in rows if r.reason == "customer" and r.client]
    assert len(customers) > 100
    aspects = [f"--{aspect}={n}" for aspect, n in zip(SURVEY_ASPECTS, "4445534", strict=True)]
    quarter = period.parse_quarter("last", clock.now())
    for row in customers[::40]:
        ok(run("survey", "record", "--client", row.client, "--respondent", row.name, *aspects,
               "--at", clock.show(quarter.start + (quarter.end - quarter.start) / 2),
               "--db", str(db)))  # fmt: skip
    report = ok(run("survey", "report", "--quarter", "last", "--json", "--db", str(db)))
    respondents = survey_store.quarter(conn, quarter.start, quarter.end, 4).respondents
    assert report["planned"] == len(rows)
    answered = [survey_rules.answered(r, respondents) for r in rows]
    assert report["answered"] == sum(answered)
    assert sum(a for a, r in zip(answered, rows, strict=True) if r.reason == "customer") >= len(
        customers[::40]
    )
    biggest = conn.execute(
        "SELECT org FROM complaints WHERE org IS NOT NULL GROUP BY org ORDER BY COUNT(*) DESC"
    ).fetchone()[0]
    shown = ok(run("client", "show", biggest, "--json", "--db", str(db)))
    assert shown["complaints"] > 50
    # import takes the registry, the responses and their histories back as they are
    exported = tmp_path / "seeded.jsonl"
    ok(run("export", "--show-phone", "--out", str(exported), "--db", str(db)))
    again = tmp_path / "again.db"
    ok(run("import", str(exported), "--db", str(again)))
    copy = open_db(again)
    for query in (
        "SELECT * FROM clients ORDER BY id",
        "SELECT * FROM client_aliases ORDER BY key",
        "SELECT client_id, at, by, action, changes, note FROM client_events"
        " ORDER BY client_id, id",  # (numbered anew, client by client)
        "SELECT * FROM survey_responses ORDER BY id",
        "SELECT * FROM survey_scores ORDER BY response_id, aspect",
    ):
        rows = [tuple(row) for row in conn.execute(query)]
        assert [tuple(row) for row in copy.execute(query)] == rows, query
