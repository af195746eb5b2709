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
from collections.abc import Iterator
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
from aftersales_cli.commands.options import QuietOption as QuietOption
from aftersales_cli.commands.options import RulesOption as RulesOption
from aftersales_cli.desk.work import Desk
from aftersales_cli.errors import BadInput
from aftersales_cli.rules.config import Rules, default_rules, parse_rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import Vocabulary
from aftersales_cli.store.db import keep_statistics, open_db, resolve_path, transaction

ENV_RULES = "AFTERSALES_RULES"
ENV_OPERATOR = "AFTERSALES_OPERATOR"


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
    def writing(self, *, direct: bool = False) -> Iterator[sqlite3.Connection]:
        """This command's write transaction (`direct`: a bulk load into an empty database,
        `store.db.transaction`)."""
        with transaction(self.conn, direct=direct) as conn:
            yield conn
        self.wrote = True

    def desk(self) -> Desk:
        """The unit of work of this command's use case (`desk`)."""
        rules, operator = self.rules, self.operator  # bad ones fail before any write
        return Desk(self.conn, self.now, rules, operator, self.writing)


@contextmanager
def session(ctx: typer.Context | None, **options: str | None) -> Iterator[Session]:
    s = Session(ctx, **options)
    try:
        yield s
    finally:
        s.close()
