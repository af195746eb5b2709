"""The rows of an import file, each read and checked into what will be stored — in this
process, or, for a large JSON Lines file, in worker processes, a chunk of lines each,
while this process writes. The checks and the conversion are pure (no database, no
clock: `now` and the rules come in), so a worker does exactly what this process would.

`checked` yields, in the file's order, one item per row:
- `Ready`: an exported complaint with its ledger and actions, checked, in its stored form;
- `Bad`: a row refused, with its line, its field and why;
- `Masked`: a record whose phone is masked (an export made without --show-phone);
- the `exchange.Row` itself for every other row — intake rows, clients, survey responses,
  attachments, rows that could not be read: the importer takes those itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, TYPE_CHECKING, NamedTuple, TypeAlias

from aftersales_cli import exchange, workers
from aftersales_cli.clock import to_utc_text
from aftersales_cli.errors import BadInput
from aftersales_cli.exchange import Row
from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.store import bulk
from aftersales_cli.store.events import Event

if TYPE_CHECKING:
    from aftersales_cli.rules.config import Rules

# From this many bytes of JSON Lines, worker processes check the rows (below, starting
# them costs more than they save); each is given this many lines at a time.
PARALLEL_FROM = 16 * 1024 * 1024
CHUNK = 250


class Ready(NamedTuple):
    """An exported complaint, checked and in its stored form. `source`: what it was read
    from (the row, or its line), to check it again here should its batch clash."""

    line: int
    stored: bulk.Stored
    org: str | None
    received_at: str  # as stored (UTC text): sent back as a text, not a zoned time
    source: Row | bytes | None


class Bad(NamedTuple):
    line: int
    field: str | None
    message: str


class Masked(NamedTuple):
    line: int
    field: str


Item = Ready | Bad | Masked | Row


def is_complaint(row: Row) -> bool:
    """An exported complaint's record (not a client, a survey response, a part of an
    attachment, an intake row or a row that could not be read)."""
    if row.problem is not None or not row.is_record:
        return False
    return row.from_csv or (
        not exchange.is_attachment(row.values) and exchange.kind_of_row(row.values) is None
    )


# An exported complaint, checked: the case, its history, its entries, its actions.
Checked: TypeAlias = tuple[Case, list[Event], list[Entry], list[Action]]


def complaint(row: Row, rules: Rules, now: datetime) -> Checked:
    """An exported complaint's record, checked: the case, its history, its ledger
    entries and its corrective actions (RuleError, BadInput or RecursionError when it
    cannot be taken; MaskedPhone when its phone is masked)."""
    values, check = row.values, exchange.Checker(now, from_csv=row.from_csv)
    case, history = exchange.case_from_record(values, rules, check)
    entries = exchange.ledger_from_record(values, case, check)
    corrective = exchange.actions_from_record(values, case, history, check)
    return case, history, entries, corrective


def refusal(line: int, exc: Exception) -> Bad | Masked:
    """What a check's exception says of its row."""
    if isinstance(exc, exchange.MaskedPhone):
        return Masked(line, exc.field)
    if isinstance(exc, RuleError):
        return Bad(line, exc.field, exc.message)
    if isinstance(exc, BadInput):
        return Bad(line, exc.field, exc.message.removeprefix(f"{exc.field}: "))
    if isinstance(exc, RecursionError):
        return Bad(line, None, "nested deeper than a record can be")
    raise exc


CHECK_FAILS = (RuleError, BadInput, RecursionError)


def check(row: Row, rules: Rules, now: datetime) -> Item:
    """One row: an exported complaint checked (`Ready`, `Bad` or `Masked`); any other
    row as it is."""
    if not is_complaint(row):
        return row
    try:
        case, history, entries, corrective = complaint(row, rules, now)
    except CHECK_FAILS as exc:
        return refusal(row.line, exc)
    ready = bulk.stored(case, history, entries, corrective)
    return Ready(row.line, ready, case.org, to_utc_text(case.received_at), row)


def checked(
    handle: IO[bytes], fmt: str, rules: Rules, now: datetime, *, size: int
) -> Iterator[Item]:
    """The items of a file opened in binary (`size` bytes), in its order."""
    count = workers.available()
    if fmt != "jsonl" or size < PARALLEL_FROM or count < 2:
        for row in exchange.read_rows(handle, fmt):
            yield check(row, rules, now)
        return
    answered = workers.in_order(
        _chunks(exchange.raw_json_lines(handle)),
        _check_chunk,
        (rules, now),
        count,
        "import: a process checking the rows was killed; nothing was imported "
        "(run the import again)",
    )
    for chunk, items in answered:
        for (_, raw), item in zip(chunk, items, strict=True):
            if isinstance(item, Ready):
                yield item._replace(source=raw)  # (the line stayed here: not sent back)
            elif isinstance(item, _NotText):
                raise exchange.NotText(item.line)
            elif item is not None:
                yield item


def _chunks(
    lines: Iterable[tuple[int, bytes | None]],
) -> Iterator[list[tuple[int, bytes | None]]]:
    chunk: list[tuple[int, bytes | None]] = []
    for numbered in lines:
        chunk.append(numbered)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---- in a worker ----------------------------------------------------------------------


class _NotText(NamedTuple):
    """A line that is not UTF-8: the file is refused there (`exchange.NotText`)."""

    line: int


def _check_chunk(
    given: tuple[Rules, datetime], chunk: list[tuple[int, bytes | None]]
) -> list[Item | _NotText | None]:
    """Each line's item (None for a blank line); a `Ready` without its source."""
    rules, now = given
    items: list[Item | _NotText | None] = []
    for line, raw in chunk:
        try:
            text = None if raw is None else exchange.line_text(line, raw)
        except exchange.NotText:
            items.append(_NotText(line))  # (the import stops there)
            continue
        row = exchange.json_row(line, text)
        item = None if row is None else check(row, rules, now)
        items.append(Ready(*item[:-1], None) if isinstance(item, Ready) else item)
    return items
