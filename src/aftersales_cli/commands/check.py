"""`aftersales check`: is the database whole? SQLite's integrity check, then the tool's
own: every complaint has its deadlines, a history that adds up, and report figures that
agree with it. For the nightly cron line after `backup`, and for anyone in doubt."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import typer

from aftersales_cli.commands.context import DbOption, JsonOption, QuietOption, session
from aftersales_cli.errors import FOUND
from aftersales_cli.render import output, progress
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.rules.actions import history_problems as action_problems
from aftersales_cli.rules.history import history_problems
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store import actions, attachments, codec, health, search
from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import snapshot
from aftersales_cli.store.events import Event

SHOWN = 20  # problems listed as text; --json lists them all


class Problem(NamedTuple):
    complaint_id: int | None
    problem: str

    def text(self) -> str:
        where = f"complaint #{self.complaint_id}" if self.complaint_id is not None else "database"
        return f"{where}: {self.problem}"


class Findings(NamedTuple):
    integrity: list[str]
    complaints: int
    events: int
    problems: list[Problem]  # the first KEPT of them
    total: int  # all of them


KEPT = 1000  # problems kept to show; a database wrong everywhere is counted, not listed


def examine(conn: sqlite3.Connection, advance: progress.Advance | None = None) -> Findings:
    """Everything `check` looks at, on one consistent snapshot; `advance` is told of each
    complaint checked against its history (the longest part, after SQLite's own check)."""
    integrity = [part for line in health.integrity(conn) for part in line.splitlines()]
    problems = [Problem(None, f"integrity check: {line}") for line in integrity if line != "ok"]
    count = len(problems)

    def add(found: Iterable[Problem]) -> None:
        nonlocal count
        for problem in found:
            count += 1
            if len(problems) < KEPT:
                problems.append(problem)

    complaints, events = 0, 0
    try:
        complaints, events = store.totals(conn)
        add(Problem(None, f"foreign key: {fk}") for fk in health.foreign_keys(conn))
        add(
            Problem(cid, f"has {n} deadline rows, not one per milestone ({len(MILESTONE_KEYS)})")
            for cid, n in health.missing_deadlines(conn)
        )
        add(
            Problem(cid, "its repeat figure (same phone and category before) disagrees")
            for cid in health.stale_repeats(conn)
        )
        add(
            Problem(cid, "its client repeat figure (same client and category before) disagrees")
            for cid in health.stale_repeats(conn, by="org_key")
        )
        add(
            Problem(cid, f"its {kind.replace('_', ' ')} disagrees with its ledger entries")
            for cid, kind in health.ledger_disagrees(conn)
        )
        add(Problem(None, f"ledger entry {e} {why}") for e, why in health.bad_reversals(conn))
        add(Problem(cid, what) for cid, what in health.search_index_disagrees(conn))
        add(Problem(cid, f"attachment {n}: {why}") for cid, n, why in attachments.damaged(conn))
        add(Problem(None, what) for what in health.registry_problems(conn))
        add(
            Problem(None, f"survey response {rid} {what}")
            for rid, what in health.survey_totals_disagree(conn)
        )
        add(_complaint_problems(conn, advance))
    except sqlite3.DatabaseError as exc:
        add([Problem(None, f"could not read every complaint ({exc})")])
    problems.sort(key=lambda p: (p.complaint_id is not None, p.complaint_id or 0))
    return Findings(integrity, complaints, events, problems, count)


def _complaint_problems(
    conn: sqlite3.Connection, advance: progress.Advance | None = None
) -> Iterator[Problem]:
    """Each complaint's history against the complaint, and its stored report figures
    against what it derives, a batch at a time."""
    unreadable: list[codec.Unreadable] = []
    batch: list[tuple[Any, list[Event]]] = []

    def settle() -> Iterator[Problem]:
        stored = health.stored_figures(conn, [c.id for c, _ in batch])
        corrective = actions.of_cases(conn, [c.id for c, _ in batch])
        for case, history in batch:
            for field, message in history_problems(case, history):
                yield Problem(case.id, f"history: {field}: {message}")
            for field, message in action_problems(corrective.get(case.id, []), history):
                yield Problem(case.id, f"{field}: {message}")
            derived = codec.report_figures(case)
            kept = stored.get(case.id, {})
            wrong = [name for name in health.FIGURES if kept.get(name) != derived[name]]
            if wrong:
                yield Problem(case.id, f"stored report figures disagree: {', '.join(wrong)}")
            keys = codec.match_keys(case)
            wrong = [name for name in health.KEYS if kept.get(name) != keys[name]]
            if wrong:
                yield Problem(case.id, f"stored match keys disagree: {', '.join(wrong)}")
        batch.clear()

    items = search.iterate(conn, search.Query(), unreadable=unreadable.append)
    for item in items if advance is None else progress.counted(items, advance):
        batch.append(item)
        if len(batch) == 1000:
            yield from settle()
    yield from settle()
    for exc in unreadable:
        yield Problem(exc.complaint_id, exc.message.split(": ", 1)[1])


def check(
    ctx: typer.Context,
    json_: JsonOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Every complaint has its deadlines and a history that starts with log (or import), runs
    in time order and adds up to its status, the report figures kept on it agree; every
    corrective action is what its complaint's history says of it, and every attachment
    still has the size and SHA-256 recorded when it was attached.

    Exit 0 when all is well (silent unless on a terminal or --json), 1 with a summary of
    what is wrong. Run it after the nightly backup. On a terminal a progress bar shows the
    complaints checked (stderr; not with --quiet).

    Example: aftersales check
    """
    with session(ctx, db=db) as s:
        with snapshot(s.conn) as conn, contextlib.ExitStack() as bar:
            advance = None
            if progress.shown(quiet):
                total = store.totals(conn)[0]
                advance = bar.enter_context(progress.progress("Checking", total, "complaints"))
            found = examine(conn, advance)
        if json_:
            output.print_json(
                {
                    "ok": not found.total,
                    "integrity": found.integrity,
                    "complaints": found.complaints,
                    "events": found.events,
                    "problem_count": found.total,
                    "problems": [p._asdict() for p in found.problems],
                }
            )
        elif found.problems:
            output.show(_summary(found, str(s.db_path)))
        elif output.on_terminal():
            output.show(
                [
                    Line(
                        f"ok: {s.db_path} — integrity ok; {found.complaints:,} complaints and "
                        f"{found.events:,} history entries checked, nothing wrong.",
                        "ok",
                    )
                ]
            )
        if found.problems:
            sys.stdout.flush()
            raise typer.Exit(FOUND)


def _summary(found: Findings, where: str) -> list[Block]:
    blocks: list[Block] = [
        Line(f"{found.total:,} problem(s) in {where}:", "breached"),
        *(Line(f"  {p.text()}") for p in found.problems[:SHOWN]),
    ]
    if found.total > SHOWN:
        listed = f"--json lists the first {KEPT:,}" if found.total > KEPT else "--json lists all"
        blocks.append(Line(f"  … and {found.total - SHOWN:,} more ({listed})"))
    if any("index" in p.problem for p in found.problems if p.complaint_id is None):
        blocks.append(
            Line(
                f"Damage to indexes alone is repaired by `sqlite3 {where} REINDEX` (after a "
                "backup); anything else: restore the last good backup.",
                "dim",
            )
        )
    return blocks
