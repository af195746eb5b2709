"""What every command needs, defined once: the shared options, and a `Session` holding
the database path, the rules, the clock and the operator's name.

Options shared by many commands are `Annotated` aliases used in each signature;
`--db`, `--rules` and `--by` may also be given before the command
(`aftersales --db x.db list`).
"""

from __future__ import annotations

import copy
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path

import typer

from aftersales_cli import clock
from aftersales_cli.commands.options import ByOption as ByOption
from aftersales_cli.commands.options import DbOption as DbOption
from aftersales_cli.commands.options import Globals as Globals
from aftersales_cli.commands.options import IdArgument as IdArgument
from aftersales_cli.commands.options import JsonOption as JsonOption
from aftersales_cli.commands.options import RulesOption as RulesOption
from aftersales_cli.errors import BadInput
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.config import Rules, default_rules, parse_rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import Vocabulary
from aftersales_cli.store import complaints as store
from aftersales_cli.store import events
from aftersales_cli.store.db import keep_statistics, open_db, resolve_path, transaction

ENV_RULES = "AFTERSALES_RULES"
ENV_OPERATOR = "AFTERSALES_OPERATOR"


# One step of the lifecycle as a command applies it: (connection, case before) → case after.
Step = Callable[[sqlite3.Connection, Case], Case]


def term(vocabulary: Vocabulary, value: str | None) -> str | None:
    """Parse an English or Chinese term; None stays None."""
    return None if value is None else vocabulary.parse(value)


def terms(vocabulary: Vocabulary, values: list[str] | None) -> tuple[str, ...]:
    return tuple(vocabulary.parse(v) for v in values or [])


def given_or(option: str | None, earlier: str | None) -> str | None:
    """An option given after the command name wins over the same given before it; an
    empty one stays empty (and is refused where it is used), never taken as absent."""
    return option if option is not None else earlier


class Session:
    """One command's view of the world: database, rules, now, operator."""

    def __init__(
        self,
        ctx: typer.Context | None,
        *,
        db: str | None = None,
        rules: str | None = None,
        by: str | None = None,
    ) -> None:
        given = ctx.find_object(Globals) if ctx is not None else None
        given = given or Globals()
        db, rules, by = (
            given_or(mine, theirs)
            for mine, theirs in ((db, given.db), (rules, given.rules), (by, given.by))
        )
        self.db_path: Path = resolve_path(db)
        if rules is not None and not rules.strip():
            raise BadInput("rules", "must not be empty; give the rules file")
        self._rules_path = rules or os.environ.get(ENV_RULES) or None
        self._by = by
        self.wrote = False
        self.now: datetime = clock.now()
        clock.local_zone()  # an unknown zone fails here, before anything else
        self.zone_name: str = clock.zone_name()

    @property
    def rules_source(self) -> str | None:
        return self._rules_path

    @cached_property
    def rules(self) -> Rules:
        if not self._rules_path:
            return default_rules()
        path = Path(self._rules_path).expanduser()
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise BadInput("rules", f"cannot read {path}: {reason}") from None
        return parse_rules(source, str(path))

    @cached_property
    def operator(self) -> str:
        name = self._by if self._by is not None else (os.environ.get(ENV_OPERATOR) or None)
        if name is None:
            import getpass  # only when neither --by nor AFTERSALES_OPERATOR names anyone

            try:
                name = getpass.getuser()
            except (KeyError, OSError):
                name = "unknown"
        try:
            from aftersales_cli.rules.fields import text

            return text("by", name)
        except RuleError as exc:
            raise BadInput("by", exc.message) from None

    @cached_property
    def conn(self) -> sqlite3.Connection:
        return open_db(self.db_path, handed_over=True)

    def reader(self) -> sqlite3.Connection:
        """Another connection to the same database, for work done in parallel."""
        return open_db(self.db_path, handed_over=True)

    def close(self) -> None:
        if "conn" in self.__dict__:
            if self.wrote:  # a command that changed something also keeps the statistics
                keep_statistics(self.conn)
            self.conn.close()

    def at(self, now: datetime, by: str | None = None) -> Session:
        """This session as of another moment (and operator), sharing its database —
        for replaying a history, as the demo does."""
        moved = copy.copy(self)
        moved.__dict__.pop("operator", None)
        moved.now = now
        moved._by = by or self._by
        return moved

    def time(self, value: str, field: str) -> datetime:
        return clock.parse_time(value, field, self.now)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.conn) as conn:
            yield conn
        self.wrote = True

    def change(
        self,
        complaint_id: int,
        action: str,
        step: Callable[[sqlite3.Connection, Case], Case],
        note: str | None = None,
    ) -> tuple[Case, Case]:
        """Load a complaint, apply one step of the lifecycle, write it and its history —
        all in one transaction. Before the step, the case is settled as of now: every
        deadline that has passed is recorded as breached (its `breached` event first), so
        nothing the step does can turn it into met. Returns the case before and after."""
        from aftersales_cli.rules.lifecycle import note_breaches, settle

        rules, operator = self.rules, self.operator  # bad ones fail before any write
        with self.writing() as conn:
            before = store.get(conn, complaint_id)
            settled, breached = settle(before, self.now, rules)
            store.write(conn, before, settled)
            self._breach_events(conn, before, settled, breached)
            after = step(conn, settled)
            after, more = note_breaches(settled, after, self.now, rules)
            store.update(conn, settled, after, action=action, by=operator, at=self.now, note=note)
            self._breach_events(conn, settled, after, more)
        return before, after

    def _breach_events(
        self, conn: sqlite3.Connection, before: Case, after: Case, milestones: list[str]
    ) -> None:
        """One `breached` event per milestone; the first carries the escalation, if any."""
        assert after.id is not None
        escalated = after.escalated_at if before.escalated_at is None else None
        for milestone in milestones:
            deadline = after.deadlines[milestone]
            events.append(
                conn,
                after.id,
                self.now,
                self.operator,
                "breached",
                events.breach_changes(milestone, escalated),
                breach_note(milestone, deadline.due_at, escalated is not None),
            )
            escalated = None


def breach_note(milestone: str, due_at: datetime | None, escalated: bool) -> str:
    note = f"{milestone} was due {clock.show(due_at)}"
    return note + "; escalated to management" if escalated else note


@contextmanager
def session(ctx: typer.Context | None, **options: str | None) -> Iterator[Session]:
    s = Session(ctx, **options)
    try:
        yield s
    finally:
        s.close()
