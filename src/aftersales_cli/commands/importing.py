"""Taking complaints in from a file: `import` of an export or of a form platform's rows.

One streaming pass inside one write transaction: each row is read and checked as the
command that would have taken it checks it (`row_checks`: here, or for a large JSON Lines
file in worker processes), and written — exported complaints a batch at a time; every bad
row is reported with its line and field in the file's order, and if there was any, the
transaction is rolled back — all or nothing, with memory flat however large the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aftersales_cli import workers
from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.commands.bad_rows import (
    SHOWN,
    BadRows,
    ErrorsOption,
    OverwriteErrorsOption,
    reading,
)
from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    QuietOption,
    RulesOption,
    Session,
    session,
)
from aftersales_cli.commands.data import file_format
from aftersales_cli.desk import parse
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output, progress
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.history import shown
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.rules.taxonomy import CHANNELS
from aftersales_cli.store import actions, attachments
from aftersales_cli.store import complaints as store
from aftersales_cli.store import ledger as books
from aftersales_cli.store.events import Event
from aftersales_cli.store.survey import Stored

if TYPE_CHECKING:
    from aftersales_cli import exchange, row_checks  # (imported where used: 7 ms of --help)
    from aftersales_cli.store.bulk import Indexes

# Finding the earlier line of a doubled id scans what was imported so far; after this
# many the message no longer names it (a file imported twice into itself stays fast).
_LOOKUPS = 1000
# A file of this many bytes and more, imported into an empty database, is a bulk load:
# written to the database file directly (a few thousand complaints and up).
_DIRECT_FROM = 16 * 1024 * 1024
# Exported complaints are written this many at a time, a statement per table; a batch
# that clashes with what is there is written again one complaint at a time, which says
# which line clashed and why.
_BATCH = 500


def import_(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CSV or JSON Lines: exported records, or intake rows.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl or csv [default: from the file's extension]."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            help="Channel of intake rows that do not say (e.g. online for a web form).",
            autocompletion=complete_terms(CHANNELS),
        ),
    ] = None,
    errors: ErrorsOption = None,
    overwrite: OverwriteErrorsOption = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
    quiet: QuietOption = False,
) -> None:
    """An export of this tool (with its history and ids), or intake rows such as the online
    form platform's export (columns named like the log options, `received_at` or `received-
    at`; Chinese headers accepted). Every field is checked as the command that sets it
    checks it: all rows are imported or none. A refusal shows the first 20 bad rows with
    their line and field, and how many more there are; --errors FILE gets every one. An
    export made without --show-phone is refused at its first record. When stderr is a
    terminal a progress bar shows the file read (not with --quiet).

    Example: aftersales import form-export.csv --channel online --errors bad-rows.csv
    """
    from aftersales_cli import exchange, row_checks

    with session(ctx, db=db, rules=rules, by=by) as s:
        kind = file_format(fmt, source)
        the_channel = CHANNELS.parse(channel) if channel else None
        bad = BadRows.to(source, errors, overwrite=overwrite, database=s.db_path)
        importer = _Importer(s, source, the_channel, bad)
        try:
            handle = source.open("rb")
        except OSError as exc:
            raise BadInput("file", f"cannot read {source}: {exc.strerror or exc}") from None
        with handle, reading(source, bad), contextlib.ExitStack() as bar:
            readable: Any = handle
            size = os.fstat(handle.fileno()).st_size
            if progress.shown(quiet):
                advance = bar.enter_context(progress.progress("Importing", size >> 10, "KiB"))
                readable = progress.CountedReader(handle, advance)
            # A bulk load into an empty database (checked again inside: `_Importer.run`)
            # is written to the file directly (`store.db.transaction`); a small one, as
            # any write is, leaves even the file's header as it was when it is refused.
            direct = size >= _DIRECT_FROM and store.none(s.conn)
            with s.writing(direct=direct) as conn, workers.few_collections():
                items = row_checks.checked(readable, kind, s.rules, s.now, size=size)
                importer.run(conn, items)
                if bad.count:
                    raise exchange.ImportError_(bad.count)  # rolls it all back
        importer.warned()
        ids = importer.ids
        files = importer.attachments
        # each only when the file held some (attachments: an export with --attachments)
        held = {
            "attachments": files,
            "clients": importer.clients,
            "survey_responses": importer.responses,
        }
        if json_:
            extra = {key: n for key, n in held.items() if n}
            output.print_json({"imported": len(ids), "ids": ids.tolist(), **extra})
            return
        besides = [f"{n:,} {key.replace('_', ' ')[:-1]}(s)" for key, n in held.items() if n]
        output.show(
            [
                Line(
                    f"Imported {len(ids):,} complaint(s) from {source}"
                    + (f" (ids {min(ids)}–{max(ids)})" if ids else "")
                    + (f", with {', '.join(besides)}." if besides else "."),
                    "ok",
                )
            ]
        )


class _Importer:
    """Checks and writes the rows of one file, counting and reporting the bad ones."""

    def __init__(self, s: Session, source: Path, channel: str | None, bad: BadRows) -> None:
        from aftersales_cli import exchange

        self.rules = s.rules
        self.operator = s.operator
        self.now = s.now
        self.defaults = {"channel": channel} if channel else {}
        self.name = shown(source.name, limit=255)
        self.bad = bad
        self.ids = array("q")  # every complaint written, in file order
        self.lines = array("q")  # and its line (negative: an intake row, id given here)
        self.lookups = 0
        self.files = exchange.Assembler()  # the attachment being read, part by part
        self.attachments = 0  # attachments restored
        self.clients = 0  # clients restored
        self.responses = 0  # survey responses restored
        self.merges: list[tuple[int, int, int]] = []  # (line, client id, merged into)
        self.merged: set[int] = set()  # the ids of those clients
        self.warnings = 0  # warnings of rows imported all the same (`warn`)
        self.orgs: dict[str, tuple[str, str]] = {}  # restored complaints' clients, first at
        self.pending: list[row_checks.Ready] = []  # the batch being gathered
        self.conn: sqlite3.Connection | None = None  # while `run` runs
        self.indexes: Indexes | None = None  # dropped while the complaints go in

    def report(self, line: int, field: str | None, message: str) -> None:
        self._flush()  # the lines before it first: bad rows are told in the file's order
        self.bad.add(line, field, message)

    def run(self, conn: sqlite3.Connection, items: Iterable[row_checks.Item]) -> None:
        from aftersales_cli.store import bulk

        self.conn = conn
        # Into an empty database, the indexes are built once the complaints are in (at
        # the first intake row at the latest: `log` reads them).
        empty = store.none(conn)
        self.indexes = bulk.Indexes(conn) if empty else None
        try:
            self._rows(conn, items)
            self._flush()
            store.refresh_repeats_of(conn, None if empty else self.ids)
            self._built()
            self._merge(conn)
            self._file_orgs(conn)
        finally:
            self.conn = None

    def _built(self) -> None:
        if self.indexes is not None:
            self.indexes.build()
            self.indexes = None

    def _rows(self, conn: sqlite3.Connection, items: Iterable[row_checks.Item]) -> None:
        from aftersales_cli import exchange, row_checks
        from aftersales_cli.row_checks import Bad, Masked, Ready

        for item in items:
            if isinstance(item, Ready | Bad | Masked):
                self._unfinished()
                if isinstance(item, Ready):
                    self.pending.append(item)
                    if len(self.pending) >= _BATCH:
                        self._flush()
                elif isinstance(item, Bad):
                    self.report(item.line, item.field, item.message)
                else:  # an export made without --show-phone
                    raise exchange.MaskedExport(item.line, item.field)
                continue
            row = item
            if self._attachment(conn, row):
                continue
            if row.problem is not None:
                self.report(row.line, row.field, row.problem)
                continue
            registry = None if row.from_csv else exchange.kind_of_row(row.values)
            if registry is not None:
                self._registry(conn, row, registry)
                continue
            try:
                values = exchange.intake_values(
                    row.values, self.now, from_csv=row.from_csv, defaults=self.defaults
                )
                intake = parse.intake(values, self.now, self.rules).intake
                case = lifecycle.open_case(intake, self.now, self.rules)
            except row_checks.CHECK_FAILS as exc:
                refused = row_checks.refusal(row.line, exc)
                if isinstance(refused, Masked):
                    raise exchange.MaskedExport(refused.line, refused.field) from None
                self.report(*refused)
                continue
            self._flush()
            self._built()
            self._insert(conn, row.line, case)
        self._unfinished()

    def _unfinished(self) -> None:
        """An attachment whose parts stopped coming before this row: a bad row."""
        left = self.files.unfinished()
        if left is not None:
            self.report(*left)

    def _registry(self, conn: sqlite3.Connection, row: exchange.Row, kind: str) -> None:
        """A client (its id, names and history kept) or a survey response (its id kept)."""
        from aftersales_cli import exchange

        self._flush()
        try:
            if kind == "client":
                self._client(conn, row.line, exchange.client_from_record(row.values, self.now))
            else:
                found = exchange.response_from_record(row.values, self.now, self.rules)
                self._response(conn, row.line, found)
        except exchange.MaskedPhone as exc:  # a client's, in an export made without it
            raise exchange.MaskedExport(row.line, exc.field) from None
        except RuleError as exc:
            self.report(row.line, exc.field, exc.message)
        except RecursionError:
            self.report(row.line, None, "nested deeper than a record can be")

    def _client(self, conn: sqlite3.Connection, line: int, row: exchange.ClientRow) -> None:
        """A client of the file: refused when its id, its name or an alias is already
        another client's here (import does not merge: `client merge` does, afterwards)."""
        from aftersales_cli.rules import clients as client_rules
        from aftersales_cli.store import clients

        client = row.client
        assert client.id is not None
        if clients.exists(conn, client.id):
            raise RuleError(
                "client.id",
                f"client {client.id} is already in this database or earlier in this file",
            )
        names = [("client.name", client.name)] + [
            (f"client.aliases[{i}]", a) for i, a in enumerate(client.aliases)
        ]
        for field, name in names:
            held = clients.holder(conn, client_rules.key(field, name))
            # (a merged client's name is an alias of the client it went into)
            if held is not None and not (
                (field == "client.name" and client.merged_into)
                or (not held.as_alias and self._merged(conn, held.client_id))
            ):
                what = "an alias of" if held.as_alias else "the client"
                raise RuleError(
                    field,
                    f"{name} is already {what} {held.name} (id {held.client_id}) in this "
                    "database or earlier in this file; import does not merge clients",
                )
        try:
            clients.restore(conn, client, row.events)
        except sqlite3.IntegrityError:
            raise RuleError(
                "client.name", f"{client.name} is already a client's name in this database"
            ) from None
        if client.merged_into is not None:
            self.merges.append((line, client.id, client.merged_into))
            self.merged.add(client.id)
        self.clients += 1

    def _merged(self, conn: sqlite3.Connection, client_id: int) -> bool:
        """Whether a client is a merged one (in the database, or so said earlier in the
        file: its pointer is set at the end)."""
        from aftersales_cli.store import clients

        return client_id in self.merged or clients.get(conn, client_id).merged_into is not None

    def _merge(self, conn: sqlite3.Connection) -> None:
        """The merged clients point at the clients they went into, once all are in: a
        chain is followed to its end (as `client merge` leaves it), a cycle refused."""
        from aftersales_cli.store import clients

        into = {client_id: target for _, client_id, target in self.merges}
        for line, client_id, target in self.merges:
            seen = {client_id}
            while target in into and target not in seen:
                seen.add(target)
                target = into[target]
            if target in seen:
                field = "client.merged_into"
                self.report(line, field, f"client {client_id} is merged in a circle")
            elif not clients.exists(conn, target):
                self.report(
                    line,
                    "client.merged_into",
                    f"client {target} is neither in this database nor in this file",
                )
            else:
                clients.restore_merge(conn, client_id, target)

    def _response(self, conn: sqlite3.Connection, line: int, response: Stored) -> None:
        from aftersales_cli.store import clients, survey

        if not clients.exists(conn, response.client_id):
            raise RuleError(
                "survey_response.client_id",
                f"client {response.client_id} is neither in this database nor (imported) "
                "earlier in this file",
            )
        try:
            survey.restore(conn, response)
        except sqlite3.IntegrityError:
            raise RuleError(
                "survey_response.id",
                f"response {response.id} is already in this database or earlier in this file",
            ) from None
        self.responses += 1

    def _file_orgs(self, conn: sqlite3.Connection) -> None:
        """Each client a restored complaint names that no client is known by is
        registered, as `log` registers a new name."""
        from aftersales_cli.desk.clients import file_under

        zone = local_zone()
        for org, received_at in self.orgs.values():
            first = from_utc_text(received_at, zone)
            _, told = file_under(conn, org, first, self.now, self.operator)
            for warning in told:
                self.warn(warning)

    def warn(self, text: str) -> None:
        """A warning of a row imported all the same: the first `SHOWN` printed as they
        come, the rest counted (`warned`) — each is kept in the history too."""
        self.warnings += 1
        if self.warnings <= SHOWN:
            output.note(f"warning: {text}")

    def warned(self) -> None:
        """After the import: how many warnings were not printed."""
        if self.warnings > SHOWN:
            output.note(
                f"… and {self.warnings - SHOWN:,} more warnings ({self.warnings:,} in all); "
                "each is in the history of what it is about"
            )

    def _attachment(self, conn: sqlite3.Connection, row: exchange.Row) -> bool:
        """A row of an attachment (True): checked, and stored once its last part is in,
        its size and SHA-256 verified. Any other row first ends an attachment whose parts
        stopped coming (False)."""
        from aftersales_cli import exchange

        is_piece = row.problem is None and not row.from_csv and exchange.is_attachment(row.values)
        if is_piece:
            self._flush()  # (its complaint may be in the batch)
        piece = None
        if is_piece:
            try:
                limit = self.rules.attachments.max_bytes
                piece = exchange.attachment_piece(row.values, self.now, limit)
            except RuleError as exc:
                self.report(row.line, exc.field, exc.message)
        if piece is None or not self.files.continues(piece):
            self._unfinished()
        if piece is None:
            return is_piece
        try:
            whole = self.files.add(piece, row.line)
        except RuleError as exc:
            self.report(row.line, exc.field, exc.message)
            return True
        if whole is not None:
            attachment, content = whole
            try:
                attachments.restore(conn, attachment, content)
            except sqlite3.IntegrityError as exc:
                which = f"{attachment.number} of complaint {attachment.complaint_id}"
                if "UNIQUE" in str(exc):
                    why = f"{which} is already in this database or earlier in this file"
                else:
                    why = (
                        f"{which}: complaint {attachment.complaint_id} is neither in this "
                        "database nor (imported) earlier in this file"
                    )
                self.report(row.line, "attachment", why)
            else:
                self.attachments += 1
        return True

    def _insert(self, conn: sqlite3.Connection, line: int, case: Case) -> None:
        note = f"imported from {self.name}, line {line}"
        if case.org is not None:  # filed under the registered client, as `log` files it
            from aftersales_cli.desk.clients import file_under

            org, told = file_under(conn, case.org, case.received_at, self.now, self.operator)
            case = dataclasses.replace(case, org=org)
            for warning in told:
                self.warn(f"line {line}: {warning}")
                note += f"; warning: {warning}"
        stored = store.insert(
            conn,
            case,
            by=self.operator,
            at=self.now,
            action="import",
            note=note,
        )
        assert stored.id is not None
        self.ids.append(stored.id)
        self.lines.append(-line)

    def _flush(self) -> None:
        """Write the batch of exported complaints gathered so far: all at once, or — when
        an id clashes with one already here or in the batch — one at a time, checked again
        from what they were read from, each clash reported with its line."""
        from aftersales_cli.store import bulk

        batch, self.pending = self.pending, []
        if not batch:
            return
        conn = self.conn
        assert conn is not None
        conn.execute("SAVEPOINT batch")
        try:
            bulk.restore(conn, [item.stored for item in batch])
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO batch")
            conn.execute("RELEASE batch")
            for item in batch:
                self._restore(conn, item.line, *self._again(item))
            return
        conn.execute("RELEASE batch")
        for item in batch:
            self._restored(item.line, item.stored.id, item.org, item.received_at)

    def _again(self, item: row_checks.Ready) -> row_checks.Checked:
        """A complaint of a batch that clashed, checked again here (as it was there)."""
        from aftersales_cli import exchange, row_checks

        source = item.source
        if isinstance(source, exchange.Row):
            row: exchange.Row | None = source
        else:
            assert source is not None
            row = exchange.json_row(item.line, exchange.line_text(item.line, source))
        assert row is not None
        return row_checks.complaint(row, self.rules, self.now)

    def _restore(
        self,
        conn: sqlite3.Connection,
        line: int,
        case: Case,
        history: list[Event],
        entries: list[Entry],
        corrective: list[Action],
    ) -> None:
        assert case.id is not None
        try:
            store.restore(conn, case, history)
        except sqlite3.IntegrityError as exc:
            if "complaints.id" not in str(exc):
                raise
            self.report(line, "id", self._clash(case.id))
            return
        taken = actions.taken(conn, [a.id for a in corrective if a.id is not None])
        if taken is not None:  # (the import is rolled back: the complaint goes too)
            self.report(line, "actions", f"corrective action {taken} is already in this database")
            return
        books.restore(conn, entries)
        actions.restore(conn, corrective)
        self._restored(line, case.id, case.org, to_utc_text(case.received_at))

    def _restored(self, line: int, complaint_id: int, org: str | None, received_at: str) -> None:
        """Keep what the import says of a complaint it wrote (`received_at` as stored: UTC
        text, in the order of time)."""
        if org is not None:
            from aftersales_cli.rules.fields import client_key

            key = client_key(org)
            # (named as its earliest complaint spells it, as migration 0015 does)
            if key is not None and (key not in self.orgs or received_at < self.orgs[key][1]):
                self.orgs[key] = (org, received_at)
        self.ids.append(complaint_id)
        self.lines.append(line)

    def _clash(self, complaint_id: int) -> str:
        """Why an id cannot be taken: earlier in this file, or already in the database."""
        self.lookups += 1
        if self.lookups > _LOOKUPS:
            return f"{complaint_id} is already in this database or earlier in this file"
        try:
            earlier = self.lines[self.ids.index(complaint_id)]
        except ValueError:
            return f"complaint {complaint_id} already exists in this database"
        if earlier < 0:
            return f"{complaint_id} was given to the intake row on line {-earlier}"
        return f"{complaint_id} is also on line {earlier}"
