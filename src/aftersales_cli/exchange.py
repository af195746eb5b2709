"""The files complaints travel in: export records (JSON Lines or CSV) and import rows.

An exported record is the complaint of the output contract, its deadlines carrying also
`late` and `breach_noted`, plus its whole history (`events`), so that importing it into
an empty database gives the same complaint back. CSV flattens the nesting into dotted
columns (`deadlines.contact.due_at`) with the history as JSON in `events`, neutralises
cells that a spreadsheet would run as a formula, and is written with a byte-order mark.
Without `--show-phone` every phone is masked, inside the history too.

An import row is either such a record (it has `status` and `deadlines`) or a plain intake
row, e.g. the online form platform's export, named like the `log` options (Chinese
headers and the options' own spellings such as `received-at` are accepted too).

Reading streams: a file is read a line at a time (JSON Lines split on `\\n` only, never
on U+2028 or a form feed), no line longer than `LINE_MAX`, so memory stays flat however
large the file. Every field is checked as the command that sets it checks it — types,
ranges, terms, the shape and order of the history — and every problem names its line
and field; nothing a file holds can crash the reader.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from aftersales_cli.clock import local_zone, to_utc_text
from aftersales_cli.render.record_json import (
    attachment_json,
    case_json,
    deadline_json,
    entry_json,
    event_json,
    number,
)
from aftersales_cli.render.spreadsheet import csv_cell, csv_text
from aftersales_cli.rules import fields, history
from aftersales_cli.rules.actions import STATES, Action
from aftersales_cli.rules.actions import history_problems as action_problems
from aftersales_cli.rules.attachments import TYPES, Attachment, clean_name, size_text
from aftersales_cli.rules.calendar import YEARS
from aftersales_cli.rules.case import Case, Counting, Deadline, Penalty, counting_from
from aftersales_cli.rules.config import Rules, parse_duration
from aftersales_cli.rules.errors import RuleError, RulesFileError
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.rules.lifecycle import Intake
from aftersales_cli.rules.supply import event_key
from aftersales_cli.rules.taxonomy import (
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    FINDINGS,
    LEDGER_KINDS,
    METHODS,
    MILESTONE_KEYS,
    PAYING_REMEDIES,
    PAYMENT_KINDS,
    REMEDIES,
    SEVERITIES,
    STATUSES,
    Vocabulary,
)
from aftersales_cli.store.events import Event
from aftersales_cli.store.survey import Stored

if TYPE_CHECKING:
    from aftersales_cli.store.db import Rows
    from aftersales_cli.store.search import Batch

ACTIONS = history.ACTIONS

LINE_MAX = 16 * 1024 * 1024  # bytes in a line (JSON Lines) or characters in a CSV cell
# A history note is written by the tool (the suggestion, a reason, the warnings given):
# longer than any one field, never unbounded.
EVENT_NOTE_MAX = 10 * fields.TEXT_MAX

# Headers of a form platform's export, and what they mean.
HEADER_ALIASES = {
    "受理时间": "received_at",
    "投诉时间": "received_at",
    "提交时间": "received_at",
    "渠道": "channel",
    "反馈渠道": "channel",
    "客户姓名": "customer",
    "姓名": "customer",
    "联系人": "customer",
    "联系电话": "phone",
    "电话": "phone",
    "手机": "phone",
    "单位": "org",
    "客户单位": "org",
    "学校": "org",
    "订单号": "order_no",
    "订单编号": "order_no",
    "产品": "product",
    "菜品": "product",
    "批次": "batch",
    "批号": "batch",
    "配送日期": "delivery_date",
    "数量": "quantity",
    "不良数量": "defective",
    "问题描述": "description",
    "投诉内容": "description",
    "描述": "description",
    "客户诉求": "request",
    "诉求": "request",
    "分类": "category",
    "问题分类": "category",
    "严重程度": "severity",
    "影响人数": "people",
    "症状": "symptoms",
    "发病时间": "onset_at",
    "onset": "onset_at",
    "食用量": "eaten",
    "就医": "hospital",
}

# A survey form's headers (`survey import`) besides the aspects' own labels.
SURVEY_HEADER_ALIASES = {
    "提交时间": "at",
    "答题时间": "at",
    "时间": "at",
    "单位": "client",
    "客户单位": "client",
    "学校": "client",
    "姓名": "respondent",
    "联系人": "respondent",
    "方式": "method",
    "调查方式": "method",
    "意见": "comment",
    "意见建议": "comment",
    "建议": "comment",
}

# What an intake row may say: the options of `log` (the delivery time comes with the
# delivery date, as `--delivery-date 2026-11-21 11:30`).
INTAKE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Intake) if f.name != "delivered_at"
)
_INTAKE_REQUIRED = ("description", "channel", "customer", "phone")
_INTAKE_INTS = {"quantity": 0, "defective": 0, "people": 1}  # with their minimum
_INTAKE_FLAGS = ("ill", "injured", "hospital")
_INTAKE_TEXTS = tuple(f for f in INTAKE_FIELDS if f not in _INTAKE_INTS and f not in _INTAKE_FLAGS)

# What an exported record holds. `state`, `sample_until` and `staff_fine.staff` are
# derived (from the clock, the rules, `staff`) and read only to be known.
# `business_time` is derived (from `counting`); `counting` is one JSON cell in CSV.
DEADLINE_KEYS = (
    "due_at",
    "done_at",
    "state",
    "extended_from",
    "reason",
    "late",
    "breach_noted",
    "business_time",
    "counting",
)
# `event`, `same_offence_as` and `earlier_events` are derived (from the ledger and the
# client's other cases) and read only to be known; an older export has none of them.
PENALTY_KEYS: tuple[str, ...] = (
    "event",
    *Penalty._fields,
    "same_offence_as",
    "earlier_events",
)
LEDGER_KEYS = (
    "id",
    "complaint_id",
    "kind",
    "payment_kind",
    "amount",
    "reason",
    "by",
    "at",
    "reverses",
    "offence",
    "multiplier",
    "staff",
)
ACTION_KEYS = (
    "id",
    "complaint_id",
    "text",
    "department",
    "owner",
    "due_at",
    "state",
    "done_at",
    "verified_at",
    "opened_at",
    "by",
    "late",
    "survey_aspect",
)
STAFF_FINE_KEYS = ("staff", "amount")
COUNTING_KEYS = ("start", "duration", "skipped", "makeup", "unofficial_years", "paused_minutes")
# What reading a damaged `counting` raises (its parts are checked by reading them).
UNREADABLE_PARTS = (ValueError, TypeError, KeyError, AttributeError)
EVENT_KEYS = ("at", "by", "action", "changes", "note")
RECORD_KEYS: tuple[str, ...] = tuple(
    """
    id status received_at channel customer phone org order_no product batch
    delivery_date delivered_at quantity defective description request people ill injured
    symptoms onset_at eaten hospital
    category severity department assignee deadlines remedy remedies amount cause ours finding
    note supply_value price loss staff penalty staff_fine statutory_compensation
    incident satisfaction revisit_method revisit_note closed_at reopened_at reopen_count
    escalated_at last_note_at paused_at pause_reason pause_limit_at pause_applied_at
    paused_minutes sample_until ledger actions events
    """.split()
)
_OBJECTS: dict[str, tuple[str, ...]] = {"penalty": PENALTY_KEYS, "staff_fine": STAFF_FINE_KEYS}


def record_columns() -> tuple[str, ...]:
    """The columns of an exported record in CSV (the nesting flattened with dots)."""
    columns: list[str] = []
    for key in RECORD_KEYS:
        if key == "deadlines":
            columns += [f"deadlines.{m}.{part}" for m in MILESTONE_KEYS for part in DEADLINE_KEYS]
        elif key in _OBJECTS:
            columns += [f"{key}.{part}" for part in _OBJECTS[key]]
        else:
            columns.append(key)
    return tuple(columns)


# ---- writing -----------------------------------------------------------------------


def _masked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A history entry's changes with every phone in it masked."""
    return {
        key: (
            [fields.mask_phone(v) if isinstance(v, str) else v for v in pair]
            if key.rsplit(".", 1)[-1] == "phone" and isinstance(pair, list)
            else pair
        )
        for key, pair in changes.items()
    }


def export_record(
    case: Case,
    history: Iterable[Event],
    now: datetime,
    *,
    show_phone: bool,
    sample_until: datetime | None,
    ledger: Iterable[Entry] = (),
    actions: Sequence[Action] = (),
) -> dict[str, Any]:
    record = case_json(case, now, sample_until=sample_until, show_phone=show_phone, actions=actions)
    record["ledger"] = [
        {
            **entry_json(e),
            "offence": e.offence,
            "multiplier": number(e.multiplier),
            "staff": e.staff,
        }
        for e in ledger
    ]
    for milestone, deadline in case.deadlines.items():
        record["deadlines"][milestone]["late"] = deadline.late
        record["deadlines"][milestone]["breach_noted"] = deadline.breach_noted
    zone = local_zone()
    events = [event_json(e, zone) for e in history]
    if not show_phone:
        for entry in events:
            entry["changes"] = _masked_changes(entry["changes"])
    record["events"] = events
    return record


class Exporting(NamedTuple):
    """What every batch of an export built in worker processes shares (`export_lines`)."""

    now: datetime
    rules: Rules
    show_phone: bool
    ascii_only: bool  # (the stream cannot hold every character)


class ExportBatch(NamedTuple):
    """A batch of complaints as read, with their ledger and action rows."""

    rows: Batch
    ledger: Rows
    actions: Rows


def export_lines(
    given: Exporting, batch: ExportBatch
) -> tuple[list[tuple[int, bytes]], str | None]:
    """Each complaint of a batch as its JSON line (UTF-8), with its id — what `export` writes
    for it, built in a worker process; or why the batch cannot be read (a complaint's
    stored values: `Unreadable`, as export reports it)."""
    from aftersales_cli.render.output import json_line
    from aftersales_cli.rules.deadlines import sample_sealable_until
    from aftersales_cli.store import actions, ledger, search
    from aftersales_cli.store.codec import Unreadable

    zone = local_zone()
    ids = batch.rows.ids
    entries = ledger.of_rows(batch.ledger, ids, zone)
    corrective = actions.of_rows(batch.actions, ids, zone)
    lines: list[tuple[int, bytes]] = []
    try:
        for case, history in search.decoded(batch.rows, zone):
            assert case.id is not None
            sample = sample_sealable_until(
                case.category, case.delivery_date, case.delivered_at, given.now, given.rules
            )
            record = export_record(
                case,
                history,
                given.now,
                show_phone=given.show_phone,
                sample_until=sample,
                ledger=entries[case.id],
                actions=corrective[case.id],
            )
            lines.append((case.id, json_line(record, ascii_only=given.ascii_only)))
    except Unreadable as exc:
        return lines, exc.message
    return lines, None


# Objects that may be null, and their keys: CSV keeps a column for each either way, so
# that every row has the same columns.
NULLABLE_OBJECTS = _OBJECTS


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if value is None and not prefix and key in NULLABLE_OBJECTS:
            flat.update({f"{name}.{part}": None for part in NULLABLE_OBJECTS[key]})
        elif key == "counting":  # one cell, whatever it holds: every row has its column
            flat[name] = None if value is None else json.dumps(value, ensure_ascii=False)
        elif isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


class CsvWriter:
    """Records to CSV, the header taken from the first one. The records come from
    `export_record`, so phones are already masked (or not) as asked, in the history
    too."""

    def __init__(self, out: io.TextIOBase | Any) -> None:
        self.out = out
        self.writer: csv.DictWriter[str] | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        flat = flatten(record)
        if self.writer is None:
            self.writer = csv.DictWriter(self.out, fieldnames=list(flat), extrasaction="ignore")
            self.writer.writeheader()
        self.writer.writerow({k: csv_cell(v) for k, v in flat.items()})


# ---- reading: lines, JSON, CSV -------------------------------------------------------


class NotText(Exception):
    """The file is not UTF-8 text (at `line`): nothing in it can be trusted."""

    def __init__(self, line: int) -> None:
        super().__init__(f"not UTF-8 text (line {line})")
        self.line = line


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


class _Lines:
    """The lines of a binary file as text, split on `\\n` only (a lone `\\r`, U+2028 or a
    form feed is text inside a line), at most LINE_MAX bytes each: a longer line is
    skipped without being held in memory and raises `_LineTooLong` once."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.number = 0  # the line last read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        return line_text(self.number, self.raw())

    def raw(self) -> bytes:
        """The next line's bytes (StopIteration at the end)."""
        limit = LINE_MAX
        raw = self.handle.readline(limit + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = self.handle.readline(1 << 20)
            raise _LineTooLong(self.number)
        return raw


def line_text(line: int, raw: bytes) -> str:
    """A line's text; NotText when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotText(line) from None


class _NotJson(ValueError):
    """What the standard decoder would take but JSON is not."""


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a number")


# Money keeps its decimal text (`36.50` is not rounded through a float); NaN and
# Infinity, which the standard library would accept, are not JSON.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)


def loads(text: str) -> Any:
    """JSON as import reads it; ValueError (or RecursionError) when it is not."""
    return _DECODER.decode(text)


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested deeper than a record can be"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, _NotJson):
        return f"not valid JSON ({exc})"
    return "not valid JSON (a number with too many digits)"  # int() refuses beyond 4,300


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]
    problem: str | None = None  # a row that could not even be read
    from_csv: bool = False
    record: bool | None = None  # a CSV file's header says; a JSON row its own keys
    field: str | None = None  # what `problem` is about, when it is one field (columns)

    @property
    def is_record(self) -> bool:
        if self.record is not None:
            return self.record
        return "status" in self.values and "deadlines" in self.values


class ImportError_(Exception):
    """Rows that cannot be imported (each already reported with its line and field):
    raised inside the import's transaction, so that it is rolled back."""

    def __init__(self, bad: int) -> None:
        super().__init__(f"{bad} bad row(s)")
        self.bad = bad


class MaskedPhone(RuleError):
    """A record's phone masked as `export` masks it without --show-phone."""


class MaskedExport(Exception):
    """The file is an export made without --show-phone (a record's phone is masked): the
    import stops at its first such record, inside its transaction (rolled back)."""

    def __init__(self, line: int, field: str) -> None:
        super().__init__(f"line {line}: {field} is masked")
        self.line = line
        self.field = field


# What `fields.mask_phone` leaves of a phone: its first and last digits around the stars.
_MASKED = re.compile(r"[0-9]*\*+[0-9]*")


_JSON_SPACE = " \t\r\n"


def read_rows(handle: IO[bytes], fmt: str) -> Iterator[Row]:
    """The rows of a file opened in binary, one at a time; a row that cannot be read
    comes with its problem. Raises NotText when the file is not UTF-8."""
    if fmt == "csv":
        yield from _csv_rows(_Lines(handle))
        return
    for line, text in json_lines(handle):
        row = json_row(line, text)
        if row is not None:
            yield row


def json_lines(handle: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """The lines of a JSON Lines file opened in binary, numbered: each line's text, or
    None for a line longer than a row may be. Raises NotText when the file is not UTF-8."""
    for line, raw in raw_json_lines(handle):
        yield line, None if raw is None else line_text(line, raw)


def raw_json_lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """`json_lines` as bytes, not yet read as UTF-8 (`line_text` does)."""
    lines = _Lines(handle)
    while True:
        try:
            raw = lines.raw()
        except StopIteration:
            return
        except _LineTooLong as exc:
            yield exc.line, None
            continue
        yield lines.number, raw


def json_row(line: int, text: str | None) -> Row | None:
    """The row a line of JSON Lines holds (`json_lines`); None for a blank line."""
    if text is None:
        return Row(line, {}, f"a line is at most {_size(LINE_MAX)}")
    if not text.strip(_JSON_SPACE):
        return None
    try:
        value = loads(text)
    except (ValueError, RecursionError) as exc:
        return Row(line, {}, _json_problem(exc))
    if not isinstance(value, dict):
        return Row(line, {}, "a row is a JSON object")
    return Row(line, value)


def canonical(
    name: str, known: tuple[str, ...], aliases: Mapping[str, str] = HEADER_ALIASES
) -> str | None:
    """The field a column or key means: itself, a Chinese header (`aliases`), or an
    option's spelling (`received-at`); None when it means nothing known."""
    spellings = _spellings(known, tuple(aliases.items()))
    return spellings.get(name) or spellings.get(name.replace("-", "_"))


_ALIASES = tuple(HEADER_ALIASES.items())


@functools.lru_cache(maxsize=8)
def _spellings(known: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    names = {name: name for name in known}
    names.update({alias: field for alias, field in aliases if field in names})
    return names


@functools.lru_cache(maxsize=8)
def _own_names(known: tuple[str, ...]) -> frozenset[str]:
    """The fields of `known` whose key is their own name (every one, unless an alias
    were spelled like another field)."""
    return frozenset(k for k, field in _spellings(known, _ALIASES).items() if k == field)


def _names(values: Iterable[str]) -> str:
    return ", ".join(history.shown(v) if v else "''" for v in values)


def header_problems(
    header: list[str],
    known: tuple[str, ...],
    aliases: Mapping[str, str] = HEADER_ALIASES,
    allowed: str | None = None,
) -> tuple[list[str], str | None]:
    """The field each column means, and what is wrong with the columns (None when
    nothing): unknown names, unnamed columns, two columns for one field. `allowed` says
    what the columns may be named (an export's or an intake row's by default)."""
    meant: list[str] = []
    unknown: list[str] = []
    unnamed: list[str] = []
    given: dict[str, list[str]] = {}
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        field = canonical(name, known, aliases) if name else None
        if not name:
            unnamed.append(str(position))
        elif field is None:
            unknown.append(name)
        else:
            given.setdefault(field, []).append(name)
        meant.append(field or "")
    problems = []
    if unknown:
        single = {n.split(".")[0] for n in unknown if canonical(n.split(".")[0], known, aliases)}
        hint = f" ({_names(sorted(single))}: one value, without parts)" if single else ""
        problems.append(f"unknown column(s) {_names(unknown)}{hint}")
    if unnamed:
        problems.append(f"column(s) {', '.join(unnamed)} without a name")
    for field, names in given.items():
        if len(set(names)) > 1:
            problems.append(f"{' and '.join(map(history.shown, names))} both mean {field}")
        elif len(names) > 1:
            problems.append(f"{history.shown(names[0])} appears {len(names)} times")
    if not problems:
        return meant, None
    if allowed is None:
        intake = known == INTAKE_FIELDS
        allowed = "named like the options of log" if intake else "those of an export"
    return meant, "; ".join(problems) + f" (the columns are {allowed})"


class Columns(NamedTuple):
    """What a file's columns may be: the fields, their other spellings (Chinese headers),
    how to say so in an error, and whether the rows are exported records."""

    known: tuple[str, ...]
    aliases: Mapping[str, str] = HEADER_ALIASES
    allowed: str | None = None
    record: bool = False


def _complaint_columns(names: list[str]) -> Columns:
    # An export has a status and deadlines, as a JSON record does; anything else is rows
    # of intake (so a form's own `status` column is named as unknown).
    record = "status" in names and any(n.startswith("deadlines.") for n in names)
    return Columns(record_columns() if record else INTAKE_FIELDS, record=record)


def csv_table(handle: IO[bytes], columns: Columns) -> Iterator[Row]:
    """The rows of a CSV file of other columns than complaints' (a survey form's export),
    each row's values by field, its line the file's; a bad header is one row's problem."""
    return _csv_rows(_Lines(handle), lambda names: columns, unflattened=False)


XLSX_MAX = 64 * 1024 * 1024  # bytes of a workbook `survey import` reads


def xlsx_table(path: Path, columns: Columns) -> Iterator[Row]:
    """The rows of the first sheet of an XLSX workbook (a form platform's export), as
    `csv_table` gives a CSV file's: the first non-empty row is the header, each row's
    line its row number. A date cell becomes `YYYY-MM-DD HH:MM:SS` (local, as typed), a
    whole number its digits. A file that is not a workbook (or one openpyxl cannot read
    through) is BadInput naming the file."""
    from aftersales_cli.errors import BadInput

    if path.stat().st_size > XLSX_MAX:
        raise BadInput("file", f"{path.name}: a workbook is at most {_size(XLSX_MAX)}")
    import openpyxl  # only for a workbook

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise
    except Exception as exc:  # a damaged or hostile file fails in many ways inside openpyxl
        raise BadInput(
            "file", f"{path.name} is not an XLSX workbook ({type(exc).__name__})"
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True) if book.worksheets else iter(())
        header: list[str] | None = None
        known: list[str] = []
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except OSError:
                raise
            except Exception as exc:
                raise BadInput(
                    "file", f"{path.name}: row {number + 1} cannot be read ({type(exc).__name__})"
                ) from None
            number += 1
            texts = [_xlsx_text(c) for c in cells]
            if not any(texts):
                continue
            if header is None:
                header = texts
                while header and not header[-1]:
                    header.pop()
                known, problem = header_problems(
                    header, columns.known, columns.aliases, columns.allowed
                )
                if problem is not None:
                    yield Row(number, {}, problem, field="columns")
                    return
                continue
            if any(texts[len(header) :]):
                yield Row(number, {}, "more cells than the header has columns")
                continue
            if any(len(t) > LINE_MAX for t in texts):
                yield Row(number, {}, f"a cell is at most {_size(LINE_MAX)}")
                continue
            yield Row(number, {known[i]: t for i, t in enumerate(texts[: len(header)]) if t})
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(
    lines: _Lines,
    columns_of: Callable[[list[str]], Columns] = _complaint_columns,
    *,
    unflattened: bool = True,
) -> Iterator[Row]:
    csv.field_size_limit(LINE_MAX)
    reader = csv.reader(lines, strict=True)
    header: list[str] = []
    while not header:
        try:
            header = next(reader)
        except StopIteration:
            return
        except (csv.Error, _LineTooLong) as exc:
            why = f"a line is at most {_size(LINE_MAX)}" if isinstance(exc, _LineTooLong) else exc
            yield Row(lines.number, {}, f"not a CSV header ({why})", field="columns")
            return
    meaning = columns_of([h.strip() for h in header])
    record = meaning.record
    columns, problem = header_problems(header, meaning.known, meaning.aliases, meaning.allowed)
    if problem is not None:
        yield Row(lines.number, {}, problem, field="columns")
        return
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _LineTooLong:
            yield Row(start, {}, f"a cell or line is at most {_size(LINE_MAX)}")
            continue
        except csv.Error as exc:
            yield Row(start, {}, f"not valid CSV ({exc})")
            continue
        if not any(cells):
            continue
        if len(cells) > len(columns):
            yield Row(start, {}, "more cells than the header has columns")
            continue
        flat = {columns[i]: csv_text(cell) for i, cell in enumerate(cells) if cell != ""}
        if not unflattened:
            yield Row(start, flat, from_csv=True, record=False)
            continue
        try:
            values = unflatten(flat)
        except RuleError as exc:  # the header check leaves none; never a crash if one did
            yield Row(start, {}, exc.message, field=exc.field)
            continue
        yield Row(start, values, from_csv=True, record=record)


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted columns back into their nesting (the columns were checked: no column is
    both a value and a parent). `events` stays the JSON text it is in the cell."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise RuleError(key, f"{part} is one value, without parts")
            node = child
        node[parts[-1]] = value
    return nested


# ---- checking a row ------------------------------------------------------------------


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {
        str: "a text",
        int: "a whole number",
        Decimal: "a decimal number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


_DIGITS = re.compile(r"[0-9]{1,19}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_ALLOWED = "an ISO-8601 time with its offset, like 2026-11-22T09:30:00+08:00"
_TRUE = ("true", "1", "是")
_FALSE = ("false", "0", "否")


@functools.lru_cache(maxsize=8)
def _span(zone: tzinfo, now: datetime) -> tuple[float, float, float]:
    """The bounds of a complaint's times, as POSIX timestamps: the first day of the first
    year, the end of the last (what is due may be up to it), now (what has happened)."""
    earliest = datetime(YEARS[0], 1, 1, tzinfo=zone)
    latest_due = datetime(YEARS[1] + 1, 1, 1, tzinfo=zone)
    return earliest.timestamp(), latest_due.timestamp(), now.timestamp()


class Checker:
    """Converts the values of one row as the commands would take them: JSON values must
    have their JSON type; CSV cells are text (an empty cell is no value)."""

    def __init__(self, now: datetime, *, from_csv: bool, zone: tzinfo | None = None) -> None:
        self.now = now
        self.from_csv = from_csv
        self.zone = zone or local_zone()
        self._span = _span(self.zone, now)
        # Times already checked in this row, by their text (what has happened, what is
        # due), and their stored form: a record names each time about three times.
        self._happened: dict[str, datetime] = {}
        self._due: dict[str, datetime] = {}
        self._stored: dict[str, str] = {}
        self._stored_due: dict[str, str] = {}

    def inside(self) -> Checker:
        """The checker of the JSON a CSV cell holds (this one, for a JSON row)."""
        return Checker(self.now, from_csv=False, zone=self.zone) if self.from_csv else self

    def string(self, value: Any, field: str, what: str | Vocabulary) -> str:
        if type(value) is str:
            return value
        allowed = f"one of {what.allowed()}" if isinstance(what, Vocabulary) else what
        raise RuleError(field, f"{allowed}, not {_kind_of(value)}")

    def text(
        self, value: Any, field: str, *, limit: int = fields.NAME_MAX, multiline: bool = False
    ) -> str | None:
        if value is None:
            return None
        raw = self.string(value, field, "a text")
        return fields.text(field, raw, limit=limit, multiline=multiline)

    def required_text(
        self, value: Any, field: str, *, limit: int = fields.NAME_MAX, multiline: bool = False
    ) -> str:
        checked = self.text(value, field, limit=limit, multiline=multiline)
        if checked is None:
            raise RuleError(field, "is required")
        return checked

    def term(self, vocabulary: Vocabulary, value: Any, field: str) -> str | None:
        if value is None:
            return None
        raw = self.string(value, field, vocabulary)
        try:
            return vocabulary.parse(raw)
        except RuleError as exc:
            raise RuleError(field, exc.message) from None

    def required_term(self, vocabulary: Vocabulary, value: Any, field: str) -> str:
        checked = self.term(vocabulary, value, field)
        if checked is None:
            raise RuleError(field, "is required")
        return checked

    def integer(self, value: Any, field: str, low: int, high: int) -> int | None:
        if value is None:
            return None
        allowed = f"a whole number from {low} to {high:,}"
        if self.from_csv and isinstance(value, str):
            if not _DIGITS.fullmatch(value.strip()):
                raise RuleError(field, f"{allowed}, got {history.quoted(value)}")
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise RuleError(field, f"{allowed}, not {_kind_of(value)}")
        if not low <= number <= high:
            raise RuleError(field, allowed)
        return number

    def flag(self, value: Any, field: str) -> bool | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if self.from_csv and isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
            raise RuleError(field, f"true or false, got {history.quoted(value)}")
        raise RuleError(field, f"true or false, not {_kind_of(value)}")

    def money(self, value: Any, field: str, *, positive: bool = False) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            exponent = value.as_tuple().exponent
            if not value.is_finite() or value.adjusted() > 12 or not -12 <= int(exponent):
                raise RuleError(field, f"an amount in yuan from 0 to {fields.MONEY_MAX:,}")
            text = format(value, "f")
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = value
        else:
            raise RuleError(field, f"an amount in yuan, not {_kind_of(value)}")
        return fields.amount(field, text, positive=positive)

    def multiplier(self, value: Any, field: str) -> Decimal:
        """The penalty ladder's multiplier (any step a rules file gave, e.g. 1.5)."""
        if isinstance(value, str) and self.from_csv:
            value = value.strip()
            if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", value):
                raise RuleError(field, f"a number like 2 or 1.5, got {history.quoted(value)}")
            return Decimal(value)
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
            if number.is_finite() and 0 <= number <= 1_000_000 and number == round(number, 6):
                return number.normalize() if number != number.to_integral_value() else number
        raise RuleError(field, f"a number like 2 or 1.5, not {_kind_of(value)}")

    def parse_time(self, value: Any, field: str) -> datetime | None:
        """An ISO-8601 time with its offset, as written (its own offset kept)."""
        if value is None:
            return None
        raw = self.string(value, field, _TIME_ALLOWED)
        try:
            parsed = datetime.fromisoformat(raw.strip()) if len(raw) <= 64 else None
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise RuleError(field, f"{_TIME_ALLOWED}, got {history.quoted(raw)}")
        return parsed.replace(microsecond=0) if parsed.microsecond else parsed

    def time(self, value: Any, field: str, *, due: bool = False) -> datetime | None:
        """A time within the years a complaint can be about: up to now for what has
        happened, up to the end of the last year for what is due."""
        if value is None:
            return None
        seen = self._due if due else self._happened
        if type(value) is str:
            known = seen.get(value)
            if known is not None:
                return known
        parsed = self.parse_time(value, field)
        if parsed is None:
            return None
        earliest, latest_due, now = self._span
        try:
            at = parsed.timestamp()  # (whole seconds: exact; compared faster than times)
            inside = earliest <= at < latest_due and (due or at <= now)
            moment = parsed.astimezone(self.zone) if inside else None
        except (OverflowError, ValueError):
            moment = None
        if moment is None:
            until = f"the end of {YEARS[1]}" if due else f"now ({self.now.isoformat()})"
            raise RuleError(
                field, f"a time from {YEARS[0]}-01-01 to {until}, got {history.quoted(value)}"
            )
        seen[value] = moment
        return moment

    def stored_time(self, value: Any, field: str, *, due: bool = False) -> str | None:
        """`time`, as the database stores it (UTC text)."""
        stored = self._stored_due if due else self._stored
        if type(value) is str:
            text = stored.get(value)
            if text is not None:  # (checked already, as `due` says)
                return text
        moment = self.time(value, field, due=due)
        if moment is None:
            return None
        text = stored[value] = to_utc_text(moment)
        return text

    def day(self, value: Any, field: str) -> date | None:
        if value is None:
            return None
        allowed = f"a date like 2026-11-21, in the years {YEARS[0]}-{YEARS[1]}"
        raw = self.string(value, field, allowed).strip()
        try:
            parsed = date.fromisoformat(raw) if _DAY.fullmatch(raw) else None
        except ValueError:
            parsed = None
        if parsed is None or not YEARS[0] <= parsed.year <= YEARS[1]:
            raise RuleError(field, f"{allowed}, got {history.quoted(raw)}")
        return parsed

    def phone(self, value: Any, field: str = "phone") -> str:
        if value is None:
            raise RuleError(field, "is required")
        raw = self.string(value, field, "a phone number as text")
        if _MASKED.fullmatch(raw):
            raise MaskedPhone(field, "is masked; export with --show-phone to move complaints")
        try:
            return fields.phone(raw)
        except RuleError as exc:  # (named as the record names it: client.phone)
            raise RuleError(field, exc.message) from None

    def object(self, value: Any, field: str, keys: Iterable[str]) -> dict[str, Any]:
        """A nested object of a record with only the keys it may have."""
        if not isinstance(value, dict):
            raise RuleError(field, f"an object with {', '.join(keys)}, not {_kind_of(value)}")
        allowed = tuple(keys)
        if value.keys() <= _key_set(allowed):
            return value  # (the usual answer, found by a set's comparison)
        for key in value:
            if key not in allowed:
                raise RuleError(f"{field}.{history.shown(key)}", "unknown field")
        return value


@functools.lru_cache(maxsize=64)
def _key_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def _known_keys(values: Mapping[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """The values keyed by the field each key means; unknown or doubled keys refused."""
    if values.keys() <= _own_names(known):
        return dict(values)  # each key a field's own name: none unknown, none doubled
    result: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    spellings = _spellings(known, _ALIASES)
    for key, value in values.items():
        field = spellings.get(key) or spellings.get(key.replace("-", "_"))
        if field is None:
            raise RuleError(history.shown(key), "unknown field")
        if field in spelled:
            raise RuleError(
                history.shown(key),
                f"means {field}, already given as {history.shown(spelled[field])}",
            )
        spelled[field] = key
        result[field] = value
    return result


def case_from_record(
    data: Mapping[str, Any], rules: Rules, check: Checker
) -> tuple[Case, list[Event]]:
    """A complaint exactly as exported, checked field by field, with its history (`check`:
    the record's checker, shared with its ledger and actions: `ledger_from_record`,
    `actions_from_record`)."""
    values = _known_keys(data, RECORD_KEYS)
    get = values.get
    case_id = check.integer(get("id"), "id", 1, 2**62)
    if case_id is None:
        raise RuleError("id", "is required to restore an exported complaint")
    status = check.required_term(STATUSES, get("status"), "status")
    written = check.parse_time(get("received_at"), "received_at")
    received = check.time(get("received_at"), "received_at")
    if received is None or written is None:
        raise RuleError("received_at", "is required")
    delivery = check.day(get("delivery_date"), "delivery_date")
    if delivery is not None and delivery > written.date():
        raise RuleError("delivery_date", "must not be later than the day it was received")
    quantity = check.integer(get("quantity"), "quantity", 0, fields.COUNT_MAX)
    defective = check.integer(get("defective"), "defective", 0, fields.COUNT_MAX)
    if quantity is not None and defective is not None and defective > quantity:
        raise RuleError("defective", "must not be more than quantity")
    onset = check.time(get("onset_at"), "onset_at")
    if onset is not None and onset > received:
        raise RuleError("onset_at", "must not be later than the time the complaint was received")
    long = fields.TEXT_MAX
    penalty, staff_fine = _penalty(check, get("penalty")), _staff_fine(check, get("staff_fine"))
    remedy = check.term(REMEDIES, get("remedy"), "remedy")
    remedies = _remedies(check, get("remedies"), remedy)
    case = Case(
        id=case_id,
        status=status,
        received_at=received,
        channel=check.required_term(CHANNELS, get("channel"), "channel"),
        customer=check.required_text(get("customer"), "customer"),
        phone=check.phone(get("phone")),
        description=check.required_text(
            get("description"), "description", limit=long, multiline=True
        ),
        category=check.required_term(rules.category_terms, get("category"), "category"),
        severity=check.required_term(SEVERITIES, get("severity"), "severity"),
        org=check.text(get("org"), "org"),
        order_no=check.text(get("order_no"), "order_no"),
        product=check.text(get("product"), "product"),
        batch=check.text(get("batch"), "batch"),
        delivery_date=delivery,
        delivered_at=check.time(get("delivered_at"), "delivered_at"),
        quantity=quantity,
        defective=defective,
        request=check.text(get("request"), "request", limit=long, multiline=True),
        people=check.integer(get("people"), "people", 1, fields.COUNT_MAX) or 1,
        ill=bool(check.flag(get("ill"), "ill")),
        injured=bool(check.flag(get("injured"), "injured")),
        symptoms=check.text(get("symptoms"), "symptoms", limit=long, multiline=True),
        onset_at=onset,
        eaten=check.text(get("eaten"), "eaten"),
        hospital=bool(check.flag(get("hospital"), "hospital")),
        department=check.term(DEPARTMENTS, get("department"), "department"),
        assignee=check.text(get("assignee"), "assignee"),
        deadlines=_deadlines(check, get("deadlines")),
        remedy=remedy,
        remedies=remedies,
        amount=check.money(get("amount"), "amount"),
        cause=check.term(CAUSES, get("cause"), "cause"),
        ours=check.flag(get("ours"), "ours"),
        finding=check.term(FINDINGS, get("finding"), "finding"),
        note=check.text(get("note"), "note", limit=long, multiline=True),
        supply_value=check.money(get("supply_value"), "supply_value", positive=True),
        price=check.money(get("price"), "price"),
        loss=check.money(get("loss"), "loss"),
        staff=check.text(get("staff"), "staff"),
        penalty=penalty,
        staff_fine=staff_fine,
        statutory_compensation=check.money(get("statutory_compensation"), "statutory_compensation"),
        incident=bool(check.flag(get("incident"), "incident")),
        satisfaction=check.integer(get("satisfaction"), "satisfaction", 1, 5),
        revisit_method=check.term(METHODS, get("revisit_method"), "revisit_method"),
        revisit_note=check.text(get("revisit_note"), "revisit_note", limit=long, multiline=True),
        closed_at=check.time(get("closed_at"), "closed_at"),
        reopened_at=check.time(get("reopened_at"), "reopened_at"),
        reopen_count=check.integer(get("reopen_count"), "reopen_count", 0, fields.COUNT_MAX) or 0,
        escalated_at=check.time(get("escalated_at"), "escalated_at"),
        last_note_at=check.time(get("last_note_at"), "last_note_at"),
        paused_at=check.time(get("paused_at"), "paused_at"),
        pause_reason=check.text(get("pause_reason"), "pause_reason", limit=long),
        pause_limit_at=check.time(get("pause_limit_at"), "pause_limit_at", due=True),
        pause_applied_at=check.time(get("pause_applied_at"), "pause_applied_at"),
        paused_minutes=check.integer(get("paused_minutes"), "paused_minutes", 0, 2**40) or 0,
    )
    _check_pause(case)
    events = _events(check, get("events"))
    for field, message in history.history_problems(case, events):
        raise RuleError(field, message)
    return case, events


def _check_pause(case: Case) -> None:
    """A pause is whole: since when, why and until when it may last, or none of them."""
    parts = (case.paused_at, case.pause_reason, case.pause_limit_at, case.pause_applied_at)
    if any(p is not None for p in parts) and not all(p is not None for p in parts):
        raise RuleError(
            "paused_at",
            "a paused complaint has paused_at, pause_reason, pause_limit_at and "
            "pause_applied_at; one that is not has none of them",
        )


def _json_cell(check: Checker, data: Any, field: str) -> Any:
    if check.from_csv and isinstance(data, str):
        try:
            return loads(data) if data.strip() else None
        except (ValueError, RecursionError) as exc:
            raise RuleError(field, _json_problem(exc)) from None
    return data


def _remedies(check: Checker, data: Any, remedy: str | None) -> tuple[str, ...]:
    """`remedies` (a list); an older export has only `remedy`."""
    data = _json_cell(check, data, "remedies")
    if data is None:
        return (remedy,) if remedy else ()
    if not isinstance(data, list):
        raise RuleError("remedies", f"a list of remedies, not {_kind_of(data)}")
    found = tuple(check.term(REMEDIES, item, f"remedies[{n}]") or "" for n, item in enumerate(data))
    if found and found[0] != remedy:
        raise RuleError("remedies", f"the first is the remedy ({remedy}), not {found[0]}")
    return found


def ledger_from_record(data: Mapping[str, Any], case: Case, check: Checker) -> list[Entry]:
    """The ledger entries of an exported complaint. An export made before the ledger
    (no `ledger` key) gets what its fields say, as migration 0005 gives a database: its
    fine, its staff fine and what it paid."""
    assert case.id is not None
    event = event_key(case.org, case.delivery_date, case.batch, case.product)
    items = _json_cell(check, data.get("ledger"), "ledger")
    if items is None:
        return _ledger_of_old(case, event)
    if not isinstance(items, list):
        raise RuleError("ledger", f"a list of ledger entries, not {_kind_of(items)}")
    json_check = check.inside()
    entries = [
        _entry(json_check, item, f"ledger[{n}]", case, event) for n, item in enumerate(items)
    ]
    ids = {e.id for e in entries}
    for n, e in enumerate(entries):
        if e.reverses is not None and e.reverses not in ids:
            raise RuleError(f"ledger[{n}].reverses", f"no entry {e.reverses} in this record")
    return entries


def actions_from_record(
    data: Mapping[str, Any],
    case: Case,
    history: Sequence[Event],
    check: Checker,
) -> list[Action]:
    """The corrective actions of an exported complaint (an older export has none), each
    checked, and together agreeing with what the complaint's history says of them."""
    items = _json_cell(check, data.get("actions"), "actions")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise RuleError("actions", f"a list of corrective actions, not {_kind_of(items)}")
    if not items and not any(
        key.startswith("actions.") for event in history for key in event.changes
    ):
        return []  # (most complaints: no action stored, none in the history)
    json_check = check.inside()
    # whether its `breached` entry is written is what the history says
    noted = {key for event in history for key in event.changes if key.endswith(".late")}
    found = [
        dataclasses.replace(action, breach_noted=f"actions.{action.id}.late" in noted)
        for action in (
            _action(json_check, item, f"actions[{n}]", case) for n, item in enumerate(items)
        )
    ]
    seen: set[int | None] = set()
    for n, action in enumerate(found):
        if action.id in seen:
            raise RuleError(f"actions[{n}].id", f"{action.id} is given twice")
        seen.add(action.id)
    for field, message in action_problems(found, history):
        raise RuleError(field, message)
    return found


def _action(check: Checker, item: Any, where: str, case: Case) -> Action:
    check.object(item, where, ACTION_KEYS)
    get = item.get
    action_id = check.integer(get("id"), f"{where}.id", 1, 2**62)
    if action_id is None:
        raise RuleError(f"{where}.id", "is required")
    check.integer(get("complaint_id"), f"{where}.complaint_id", 1, 2**62)  # the record's
    check.flag(get("late"), f"{where}.late")  # derived: read only to be known
    state = check.string(get("state"), f"{where}.state", ", ".join(STATES))
    if state not in STATES:
        raise RuleError(f"{where}.state", f"one of {', '.join(STATES)}")
    due = check.time(get("due_at"), f"{where}.due_at", due=True)
    opened = check.time(get("opened_at"), f"{where}.opened_at")
    if due is None or opened is None:
        raise RuleError(where, "needs due_at and opened_at")
    done = check.time(get("done_at"), f"{where}.done_at")
    verified = check.time(get("verified_at"), f"{where}.verified_at")
    if (done is not None) != (state != "open") or (verified is not None) != (state == "verified"):
        raise RuleError(f"{where}.state", f"{state} does not agree with done_at and verified_at")
    return Action(
        id=action_id,
        complaint_id=case.id or 0,
        text=check.required_text(
            get("text"), f"{where}.text", limit=fields.TEXT_MAX, multiline=True
        ),
        department=check.required_term(DEPARTMENTS, get("department"), f"{where}.department"),
        owner=check.text(get("owner"), f"{where}.owner"),
        due_at=due,
        opened_at=opened,
        by=check.required_text(get("by"), f"{where}.by"),
        state=state,
        done_at=done,
        verified_at=verified,
        survey_aspect=_aspect_key(
            check.text(get("survey_aspect"), f"{where}.survey_aspect"), where
        ),
    )


def _aspect_key(value: str | None, where: str) -> str | None:
    """A survey aspect's key as a rules file names them (the aspect may have been added by
    a rules file other than today's: its shape is checked, not its presence)."""
    if value is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", value):
        raise RuleError(
            f"{where}.survey_aspect", "an aspect's key: lower-case letters, digits and _"
        )
    return value


def _ledger_of_old(case: Case, event: str | None) -> list[Entry]:
    assert case.id is not None
    at = case.closed_at or case.received_at
    note = "recorded before the ledger (an older export)"
    entries = []
    if case.penalty is not None:
        p = case.penalty
        entries.append(
            Entry(
                case.id,
                "fine",
                p.amount,
                at,
                "import",
                note,
                event=event,
                offence=p.offence,
                multiplier=p.multiplier,
            )
        )
    if case.staff_fine is not None:
        entries.append(
            Entry(case.id, "staff_fine", case.staff_fine, at, "import", note, staff=case.staff)
        )
    if case.amount:
        kind = case.remedy if case.remedy in PAYING_REMEDIES else "compensation"
        entries.append(
            Entry(case.id, "payment", case.amount, at, "import", note, payment_kind=kind)
        )
    return entries


def _entry(check: Checker, item: Any, where: str, case: Case, event: str | None) -> Entry:
    check.object(item, where, LEDGER_KEYS)
    get = item.get
    entry_id = check.integer(get("id"), f"{where}.id", 1, 2**62)
    if entry_id is None:
        raise RuleError(f"{where}.id", "is required")
    check.integer(get("complaint_id"), f"{where}.complaint_id", 1, 2**62)  # the record's
    kind = check.string(get("kind"), f"{where}.kind", ", ".join(LEDGER_KINDS))
    if kind not in LEDGER_KINDS:
        raise RuleError(f"{where}.kind", f"one of {', '.join(LEDGER_KINDS)}")
    payment_kind = check.term(PAYMENT_KINDS, get("payment_kind"), f"{where}.payment_kind")
    if (kind == "payment") != (payment_kind is not None):
        raise RuleError(f"{where}.payment_kind", "given for a payment, and only for one")
    raw = get("amount")
    negative = isinstance(raw, int | Decimal | float) and not isinstance(raw, bool) and raw < 0
    amount = check.money(-raw if negative else raw, f"{where}.amount")
    if amount is None:
        raise RuleError(f"{where}.amount", "is required")
    at = check.time(get("at"), f"{where}.at")
    if at is None:
        raise RuleError(f"{where}.at", "is required")
    offence = check.integer(get("offence"), f"{where}.offence", 1, fields.COUNT_MAX)
    k = get("multiplier")
    return Entry(
        id=entry_id,
        complaint_id=case.id or 0,
        kind=kind,
        payment_kind=payment_kind,
        amount=-amount if negative else amount,
        reason=check.text(get("reason"), f"{where}.reason", limit=fields.TEXT_MAX, multiline=True),
        by=check.required_text(get("by"), f"{where}.by"),
        at=at,
        reverses=check.integer(get("reverses"), f"{where}.reverses", 1, 2**62),
        event=event if kind == "fine" else None,
        offence=offence,
        multiplier=None if k is None else check.multiplier(k, f"{where}.multiplier"),
        staff=check.text(get("staff"), f"{where}.staff"),
    )


def _deadlines(check: Checker, data: Any) -> dict[str, Deadline]:
    if data is None:
        raise RuleError("deadlines", "is required: an object keyed by milestone")
    check.object(data, "deadlines", MILESTONE_KEYS)
    return {m: _deadline(check, data.get(m), m) for m in MILESTONE_KEYS}


# Each deadline field's name in a refusal, made once: (`deadlines.plan`, its fields).
_DEADLINE_NAMES = {
    m: (f"deadlines.{m}", {key: f"deadlines.{m}.{key}" for key in DEADLINE_KEYS})
    for m in MILESTONE_KEYS
}


# A milestone without a deadline as `export_record` writes it (a fifth of them: sample
# and lab_report of most cases), taken as it is when it is exactly that; the flags must
# be `false` itself (a dict's == takes 0 for False: the checks below refuse 0).
_NOT_DUE_DEADLINE = Deadline()
_NOT_DUE_RECORD = {
    **deadline_json(_NOT_DUE_DEADLINE, datetime(YEARS[0], 1, 1, tzinfo=UTC), zone=UTC),
    "late": False,
    "breach_noted": False,
}


def _deadline(check: Checker, data: Any, milestone: str) -> Deadline:
    if data is None:
        return Deadline()
    if (
        data == _NOT_DUE_RECORD
        and data["late"] is False
        and data["breach_noted"] is False
        and data["business_time"] is False
    ):
        return _NOT_DUE_DEADLINE
    where, name = _DEADLINE_NAMES[milestone]
    check.object(data, where, DEADLINE_KEYS)
    get = data.get
    return Deadline(
        due_at=check.time(get("due_at"), name["due_at"], due=True),
        done_at=check.time(get("done_at"), name["done_at"]),
        extended_from=check.time(get("extended_from"), name["extended_from"], due=True),
        reason=check.text(get("reason"), name["reason"], limit=fields.TEXT_MAX),
        late=bool(check.flag(get("late"), name["late"])),
        breach_noted=bool(check.flag(get("breach_noted"), name["breach_noted"])),
        counting=_counting(check, get("counting"), name["counting"]),
    )


def _counting(check: Checker, data: Any, where: str) -> Counting | None:
    """How a business-time due was counted (`counting_parts`), or null."""
    data = _json_cell(check, data, where)
    if data is None:
        return None
    check.object(data, where, COUNTING_KEYS)
    start = check.time(data.get("start"), f"{where}.start")
    duration = data.get("duration")
    try:
        if start is None or not isinstance(duration, str):
            raise ValueError("start and duration are required")
        parse_duration(duration, f"{where}.duration")
        counting = counting_from(data, start)
    except (RulesFileError, *UNREADABLE_PARTS) as exc:
        raise RuleError(
            where,
            "how a business-time due was counted: {start, duration, skipped: [{first, "
            "last, kind, names}], makeup: [{day, name}], unofficial_years, paused_minutes}"
            f" ({exc})",
        ) from None
    if counting.paused_minutes < 0:
        raise RuleError(f"{where}.paused_minutes", "must be 0 or more")
    return counting


def _penalty(check: Checker, data: Any) -> Penalty | None:
    if data is None:
        return None
    check.object(data, "penalty", PENALTY_KEYS)
    if data.get("same_offence_as") is not None and data.get("amount") in (0, None):
        return None  # another case of the event carries the fine
    offence = check.integer(data.get("offence"), "penalty.offence", 1, fields.COUNT_MAX)
    multiplier = data.get("multiplier")
    amount = check.money(data.get("amount"), "penalty.amount")
    if offence is None or multiplier is None or amount is None:
        raise RuleError("penalty", "needs offence, multiplier and amount")
    return Penalty(offence, check.multiplier(multiplier, "penalty.multiplier"), amount)


def _staff_fine(check: Checker, data: Any) -> Decimal | None:
    if data is None:
        return None
    check.object(data, "staff_fine", STAFF_FINE_KEYS)
    check.text(data.get("staff"), "staff_fine.staff")
    return check.money(data.get("amount"), "staff_fine.amount")


def _events(check: Checker, data: Any) -> list[Event]:
    if data is None:
        raise RuleError("events", "is required: the history, whose first entry is log or import")
    if check.from_csv and isinstance(data, str):
        try:
            data = loads(data)
        except (ValueError, RecursionError) as exc:
            raise RuleError("events", _json_problem(exc)) from None
    if not isinstance(data, list):
        raise RuleError("events", f"a list of history entries, not {_kind_of(data)}")
    json_check = check.inside()  # (the JSON inside a CSV cell)
    return [_event(json_check, item, f"events[{n}]") for n, item in enumerate(data)]


def _event(check: Checker, item: Any, where: str) -> Event:
    check.object(item, where, EVENT_KEYS)
    for key in ("at", "by", "action", "changes"):
        if key not in item:
            raise RuleError(f"{where}.{key}", "is required")
    at = check.time(item["at"], f"{where}.at")
    if at is None:
        raise RuleError(f"{where}.at", "is required: when the entry was recorded")
    action = check.string(item["action"], f"{where}.action", f"one of {', '.join(ACTIONS)}")
    if action not in ACTIONS:
        raise RuleError(f"{where}.action", f"one of {', '.join(ACTIONS)}")
    changes = item["changes"]
    if not isinstance(changes, dict):
        raise RuleError(
            f"{where}.changes", f"an object of field: [old, new], not {_kind_of(changes)}"
        )
    inside = f"{where}.changes"
    return Event(
        0,
        at,
        check.required_text(item["by"], f"{where}.by"),
        action,
        {key: _pair(check, key, pair, inside) for key, pair in changes.items()},
        check.text(item.get("note"), f"{where}.note", limit=EVENT_NOTE_MAX, multiline=True),
    )


class _KeyKind(NamedTuple):
    timed: bool
    dated: bool
    due: bool


@functools.lru_cache(maxsize=1024)
def _key_kind(key: str) -> _KeyKind | None:
    """What a history key holds (None: no field of a complaint) — asked once per key,
    not once per change: a history of a million complaints names a few hundred keys."""
    if not history.is_known_key(key):
        return None
    return _KeyKind(history.is_time_key(key), history.is_date_key(key), history.is_due_key(key))


# Texts of history changes found good (`fields.text` of a change: TEXT_MAX, multiline),
# short ones, a bounded number: a change's values recur (a status, a category, a client).
_GOOD_TEXTS: set[str] = set()
_GOOD_TEXT_LENGTH = 40
_GOOD_TEXTS_KEPT = 4096


def _pair(check: Checker, key: str, pair: Any, where: str) -> list[Any]:
    """One change `[old, new]` as the history stores it (times as UTC text)."""
    kind = _key_kind(key)
    if kind is None:
        raise RuleError(f"{where}.{history.shown(key)}", "not a field of a complaint")
    if type(pair) is list and len(pair) == 2 and not (kind.timed or kind.dated):
        old, new = pair
        if (old is None or (type(old) is str and old in _GOOD_TEXTS)) and (
            new is None or (type(new) is str and new in _GOOD_TEXTS)
        ):
            return pair  # (texts checked already: stored as they are)
    field = f"{where}.{key}"  # a known name: safe to show as it is
    if type(pair) is not list or len(pair) != 2:
        raise RuleError(field, f"a pair [old, new], not {_kind_of(pair)}")
    timed, dated = kind.timed, kind.dated
    stored: list[Any] = []
    for value in pair:
        if value is None:
            stored.append(None)
        elif timed:
            stored.append(check.stored_time(value, field, due=kind.due))
        elif dated:
            day = check.day(value, field)
            stored.append(day.isoformat() if day is not None else None)
        elif isinstance(value, str):
            fields.text(field, value, limit=fields.TEXT_MAX, multiline=True)
            if len(value) <= _GOOD_TEXT_LENGTH and len(_GOOD_TEXTS) < _GOOD_TEXTS_KEPT:
                _GOOD_TEXTS.add(value)
            stored.append(value)
        elif isinstance(value, bool | int):
            stored.append(value)
        elif isinstance(value, Decimal):
            stored.append(float(value))
        else:
            raise RuleError(field, f"a pair of single values, not {_kind_of(value)}")
    return stored


def intake_values(
    values: Mapping[str, Any],
    now: datetime,
    *,
    from_csv: bool = False,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An intake row's values as `log` takes them: keys named like its options, text as
    text, numbers and flags converted; `defaults` for the fields a row does not give.
    The checks of each value are `log`'s own (`read_intake`)."""
    raw = {**(defaults or {}), **_known_keys(values, INTAKE_FIELDS)}
    check = Checker(now, from_csv=from_csv)
    result: dict[str, Any] = {}
    for key in _INTAKE_TEXTS:
        value = raw.get(key)
        if key in ("phone", "order_no") and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a form platform's number column
        if value is not None:
            result[key] = check.string(value, key, "a text")
    for key, low in _INTAKE_INTS.items():
        result[key] = check.integer(raw.get(key), key, low, fields.COUNT_MAX)
    for key in _INTAKE_FLAGS:
        result[key] = bool(check.flag(raw.get(key), key))
    for key in _INTAKE_REQUIRED:
        if result.get(key) is None:
            raise RuleError(key, "is required")
    return result


# ---- attachments ---------------------------------------------------------------------
# With `export --attachments` (JSON Lines only) each attachment of an exported complaint
# follows its record as records of its own: `{"attachment": {complaint_id, number, name,
# type, size, sha256, by, at, note}, "part": k, "parts": n, "content": base64}`. Content
# longer than ATTACHMENT_PIECE bytes is split over consecutive lines (part 1 of n, …), so
# that no line passes LINE_MAX whatever the rules file allows.

ATTACHMENT_PIECE = 8 * 1024 * 1024  # bytes of content in one line (base64: 4/3 of it)
ATTACHMENT_KEYS = ("complaint_id", "number", "name", "type", "size", "sha256", "by", "at", "note")
ATTACHMENT_ROW_KEYS = ("attachment", "part", "parts", "content")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def attachment_records(attachment: Attachment, content: bytes) -> Iterator[dict[str, Any]]:
    """The export records of one attachment: its metadata, and its content in parts."""
    import base64

    meta = {"complaint_id": attachment.complaint_id, **attachment_json(attachment)}
    parts = max(1, -(-len(content) // ATTACHMENT_PIECE))
    for part in range(parts):
        piece = content[part * ATTACHMENT_PIECE : (part + 1) * ATTACHMENT_PIECE]
        yield {
            "attachment": meta,
            "part": part + 1,
            "parts": parts,
            "content": base64.b64encode(piece).decode("ascii"),
        }


def is_attachment(values: Mapping[str, Any]) -> bool:
    """A row that carries (a part of) an attachment rather than a complaint."""
    return "attachment" in values


class Piece(NamedTuple):
    """One part of an attachment as a row carries it, checked."""

    attachment: Attachment
    part: int
    parts: int
    content: bytes


def attachment_piece(values: Mapping[str, Any], now: datetime, limit: int) -> Piece:
    """A row of an attachment, checked field by field: what it says of the file (a base
    name, a type the tool gives, a size within `limit`, a SHA-256, who and when) and its
    part of the content (base64)."""
    import base64
    import binascii

    for key in values:
        if key not in ATTACHMENT_ROW_KEYS:
            raise RuleError(
                history.shown(key),
                f"unknown field (an attachment row has {', '.join(ATTACHMENT_ROW_KEYS)})",
            )
    check = Checker(now, from_csv=False)
    meta = check.object(values.get("attachment"), "attachment", ATTACHMENT_KEYS)

    def required(key: str, value: Any) -> Any:
        if value is None:
            raise RuleError(f"attachment.{key}", "is required")
        return value

    complaint_id = required(
        "complaint_id", check.integer(meta.get("complaint_id"), "attachment.complaint_id", 1, 2**62)
    )
    number = required(
        "number", check.integer(meta.get("number"), "attachment.number", 1, fields.COUNT_MAX)
    )
    name = check.required_text(meta.get("name"), "attachment.name")
    if clean_name(name) != name:
        raise RuleError(
            "attachment.name", "a file's base name, without / or \\ or control characters"
        )
    kind = check.string(required("type", meta.get("type")), "attachment.type", "a media type")
    if kind not in TYPES:
        raise RuleError("attachment.type", f"one of {', '.join(TYPES)}, got {history.quoted(kind)}")
    size = required("size", check.integer(meta.get("size"), "attachment.size", 1, 2**62))
    if size > limit:
        raise RuleError(
            "attachment.size",
            f"{size:,} bytes; an attachment is at most {size_text(limit)} "
            "(attachments.max_mib in the rules file)",
        )
    sha256 = check.string(required("sha256", meta.get("sha256")), "attachment.sha256", "a text")
    if not _SHA256.fullmatch(sha256):
        raise RuleError("attachment.sha256", "64 hexadecimal digits in lower case")
    at = required("at", check.time(meta.get("at"), "attachment.at"))
    attachment = Attachment(
        complaint_id,
        number,
        name,
        kind,
        size,
        sha256,
        check.required_text(meta.get("by"), "attachment.by"),
        at,
        check.text(meta.get("note"), "attachment.note", limit=fields.TEXT_MAX, multiline=True),
    )
    parts = required("parts", check.integer(values.get("parts"), "parts", 1, size))
    part = required("part", check.integer(values.get("part"), "part", 1, parts))
    text = check.string(values.get("content"), "content", "base64 text")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RuleError("content", "not base64 text") from None
    return Piece(attachment, part, parts, content)


class Assembler:
    """The parts of one attachment, line after line, into its content — verified against
    its size and SHA-256 before anything is stored."""

    def __init__(self) -> None:
        self._first: Piece | None = None
        self._line = 0
        self._chunks: list[bytes] = []
        self._size = 0

    def continues(self, piece: Piece) -> bool:
        """Whether `piece` is the next part of the attachment being put together."""
        first = self._first
        return (
            first is not None
            and (piece.attachment, piece.parts) == (first.attachment, first.parts)
            and piece.part == len(self._chunks) + 1
        )

    def unfinished(self) -> tuple[int, str, str] | None:
        """The line, field and problem of an attachment whose parts stopped coming
        (forgotten)."""
        first = self._first
        if first is None:
            return None
        a, line, got = first.attachment, self._line, len(self._chunks)
        self._reset()
        return (
            line,
            "attachment",
            (
                f"{a.number} of complaint {a.complaint_id} has {got} of its "
                f"{first.parts} parts; the others must follow it, in order"
            ),
        )

    def _reset(self) -> None:
        self._first, self._line, self._chunks, self._size = None, 0, [], 0

    def add(self, piece: Piece, line: int) -> tuple[Attachment, bytes] | None:
        """Take the next part (the caller ended any other attachment first); the whole
        attachment and its content once its last part is in."""
        a = piece.attachment
        which = f"{a.number} of complaint {a.complaint_id}"
        if self._first is None:
            if piece.part != 1:
                raise RuleError("part", f"part {piece.part} of attachment {which} comes first")
            self._first, self._line = piece, line
        self._chunks.append(piece.content)
        self._size += len(piece.content)
        if self._size > a.size:
            self._reset()
            raise RuleError("content", f"attachment {which} holds more than its {a.size:,} bytes")
        if piece.part < piece.parts:
            return None
        content = b"".join(self._chunks)
        self._reset()
        if len(content) != a.size:
            raise RuleError(
                "attachment.size",
                f"attachment {which} says {a.size:,} bytes, its content has {len(content):,}",
            )
        import hashlib

        if hashlib.sha256(content).hexdigest() != a.sha256:
            raise RuleError(
                "attachment.sha256",
                f"attachment {which}: its content does not match its SHA-256 (changed or "
                "damaged on the way)",
            )
        return a, content


# ---- clients and survey responses ------------------------------------------------------
# After the complaints, a JSON Lines export holds the client registry — `{"client": {id,
# name, kind, since, key_account, contact, phone, registered_by, created_at, merged_into,
# aliases, events}}`, one line per client in id order — and then the survey responses,
# `{"survey_response": {id, client_id, at, method, respondent, comment, scores, by,
# recorded_at}}`. CSV carries complaints only.

CLIENT_KEYS = (
    "id",
    "name",
    "kind",
    "since",
    "key_account",
    "contact",
    "phone",
    "registered_by",
    "created_at",
    "merged_into",
    "aliases",
    "events",
)
CLIENT_ACTIONS = ("register", "alias", "merge")
REGISTERED_BY = ("operator", "intake")
RESPONSE_KEYS = (
    "id",
    "client_id",
    "at",
    "method",
    "respondent",
    "comment",
    "scores",
    "by",
    "recorded_at",
)


def client_record(client: Any, events: Iterable[Any], *, show_phone: bool) -> dict[str, Any]:
    """One registered client as an export record, with its aliases and history."""
    from aftersales_cli.render.record_json import client_json

    history = [event_json(e) for e in events]
    if not show_phone:
        for entry in history:
            entry["changes"] = _masked_changes(entry["changes"])
    return {"client": {**client_json(client, show_phone=show_phone), "events": history}}


def response_record(response: Any) -> dict[str, Any]:
    """One survey response as an export record (`store.survey.Stored`)."""
    from aftersales_cli.clock import iso_local

    return {
        "survey_response": {
            "id": response.id,
            "client_id": response.client_id,
            "at": iso_local(response.at),
            "method": response.method,
            "respondent": response.respondent,
            "comment": response.comment,
            "scores": dict(response.scores),
            "by": response.by,
            "recorded_at": iso_local(response.recorded_at),
        }
    }


def kind_of_row(values: Mapping[str, Any]) -> str | None:
    """ "client" or "survey_response" for such a record; None for a complaint's row."""
    for kind in ("client", "survey_response"):
        if kind in values:
            return kind
    return None


def _only(values: Mapping[str, Any], kind: str) -> Any:
    for key in values:
        if key != kind:
            raise RuleError(history.shown(key), f"unknown field (a {kind} row has only {kind})")
    return values[kind]


class ClientRow(NamedTuple):
    """A client as a row carries it, checked: its history as (at, by, action, changes,
    note) and the client it was merged into (restored once every client is in)."""

    client: Any  # rules.clients.Client
    events: list[tuple[datetime, str, str, dict[str, Any], str | None]]


def client_from_record(values: Mapping[str, Any], now: datetime) -> ClientRow:
    """A `client` row, checked field by field as `client add` checks it: the name and each
    alias a non-empty one-line text (their keys distinct), kind a client kind, since a
    date not after today, the phone a phone (not masked), the history's entries a time, a
    who, one of the registry's actions, an object of changes and a note."""
    from aftersales_cli.rules import clients
    from aftersales_cli.rules.taxonomy import CLIENT_KINDS

    check = Checker(now, from_csv=False)
    data = check.object(_only(values, "client"), "client", CLIENT_KEYS)

    def required(key: str, value: Any) -> Any:
        if value is None:
            raise RuleError(f"client.{key}", "is required")
        return value

    client_id = required("id", check.integer(data.get("id"), "client.id", 1, 2**62))
    name = check.required_text(data.get("name"), "client.name")
    key = clients.key("client.name", name)
    since = check.day(data.get("since"), "client.since")
    if since is not None and since > now.astimezone(check.zone).date():
        raise RuleError("client.since", f"{since} is after today; a client since a day gone by")
    phone = data.get("phone")
    registered_by = check.string(
        required("registered_by", data.get("registered_by")), "client.registered_by", "a text"
    )
    if registered_by not in REGISTERED_BY:
        raise RuleError("client.registered_by", f"one of {', '.join(REGISTERED_BY)}")
    merged_into = check.integer(data.get("merged_into"), "client.merged_into", 1, 2**62)
    if merged_into == client_id:
        raise RuleError("client.merged_into", "a client is not merged into itself")
    raw_aliases = data.get("aliases", [])
    if not isinstance(raw_aliases, list):
        raise RuleError("client.aliases", f"a list of names, not {_kind_of(raw_aliases)}")
    aliases = tuple(
        check.required_text(a, f"client.aliases[{i}]") for i, a in enumerate(raw_aliases)
    )
    keys = {key}
    for i, alias in enumerate(aliases):
        alias_key = clients.key(f"client.aliases[{i}]", alias)
        if alias_key in keys:
            raise RuleError(f"client.aliases[{i}]", f"{alias} is given twice (or is the name)")
        keys.add(alias_key)
    client = clients.Client(
        client_id,
        name,
        key,
        check.term(CLIENT_KINDS, data.get("kind"), "client.kind"),
        since,
        bool(check.flag(data.get("key_account", False), "client.key_account")),
        check.text(data.get("contact"), "client.contact"),
        None if phone is None else check.phone(phone, "client.phone"),
        registered_by,
        required("created_at", check.time(data.get("created_at"), "client.created_at")),
        merged_into,
        aliases,
    )
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise RuleError("client.events", "a list of history entries, the first a register")
    events: list[tuple[datetime, str, str, dict[str, Any], str | None]] = []
    for i, item in enumerate(raw_events):
        where = f"client.events[{i}]"
        entry = check.object(item, where, EVENT_KEYS)
        at = required(f"events[{i}].at", check.time(entry.get("at"), f"{where}.at"))
        action = check.string(entry.get("action"), f"{where}.action", "a text")
        if action not in CLIENT_ACTIONS or (i == 0 and action != "register"):
            raise RuleError(
                f"{where}.action", f"one of {', '.join(CLIENT_ACTIONS)}, the first a register"
            )
        if events and at < events[-1][0]:
            raise RuleError(f"{where}.at", "earlier than the entry before it")
        changes = _client_changes(check, entry.get("changes", {}), f"{where}.changes")
        events.append(
            (
                at,
                check.required_text(entry.get("by"), f"{where}.by"),
                action,
                changes,
                check.text(entry.get("note"), f"{where}.note", limit=EVENT_NOTE_MAX),
            )
        )
    return ClientRow(client, events)


def _client_changes(check: Checker, data: Any, where: str) -> dict[str, Any]:
    """A client history entry's changes: fields of a client (its aliases, the client it
    was merged into), each old → new, their texts one-line texts as the commands take."""
    from aftersales_cli.rules.clients import FIELDS

    known = (*FIELDS, "aliases", "merged_into")
    changes = check.object(data, where, known)
    for key, pair in changes.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise RuleError(f"{where}.{key}", f"[old, new], not {_kind_of(pair)}")
        for value in pair:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    check.text(item, f"{where}.{key}")
                elif item is not None and not isinstance(item, bool | int):
                    raise RuleError(
                        f"{where}.{key}", f"a name, date or number, not {_kind_of(item)}"
                    )
    return changes


def response_from_record(values: Mapping[str, Any], now: datetime, rules: Rules) -> Stored:
    """A `survey_response` row, checked as `survey record` checks it: a time not after
    now, a method, the respondent and comment texts, and a score from 1 to 5 for each of
    its aspects — aspects of the rules file (an aspect added since may be missing)."""
    from aftersales_cli.rules import survey
    from aftersales_cli.rules.taxonomy import SURVEY_METHODS

    check = Checker(now, from_csv=False)
    data = check.object(_only(values, "survey_response"), "survey_response", RESPONSE_KEYS)

    def required(key: str, value: Any) -> Any:
        if value is None:
            raise RuleError(f"survey_response.{key}", "is required")
        return value

    where = "survey_response"
    response_id = required("id", check.integer(data.get("id"), f"{where}.id", 1, 2**62))
    client_id = required(
        "client_id", check.integer(data.get("client_id"), f"{where}.client_id", 1, 2**62)
    )
    raw_scores = data.get("scores")
    if not isinstance(raw_scores, dict) or not raw_scores:
        raise RuleError(f"{where}.scores", "an object of aspect: score (1 to 5), not empty")
    aspects = rules.survey.aspects
    scores: dict[str, int] = {}
    for aspect, value in raw_scores.items():
        if aspect not in aspects:
            raise RuleError(
                f"{where}.scores.{history.shown(aspect)}",
                f"not an aspect; one of {aspects.allowed()}",
            )
        if not isinstance(value, int) or isinstance(value, bool):
            raise RuleError(
                f"{where}.scores.{aspect}", f"a score from 1 to 5, not {_kind_of(value)}"
            )
        scores[aspect] = survey.score(f"{where}.scores.{aspect}", value)
    return Stored(
        response_id,
        client_id,
        required("at", check.time(data.get("at"), f"{where}.at")),
        required("method", check.term(SURVEY_METHODS, data.get("method"), f"{where}.method")),
        check.text(data.get("respondent"), f"{where}.respondent"),
        check.text(data.get("comment"), f"{where}.comment", limit=fields.TEXT_MAX, multiline=True),
        scores,
        check.required_text(data.get("by"), f"{where}.by"),
        required("recorded_at", check.time(data.get("recorded_at"), f"{where}.recorded_at")),
    )
