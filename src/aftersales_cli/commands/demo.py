"""`aftersales demo`: build a demo database from the embedded scenario and show the tool.

The scenario (`aftersales_cli/data/demo.jsonl`, also at `examples/demo.jsonl`) is a few
weeks of a catering company's complaints, with times relative to now. Each complaint
is logged and worked through the same lifecycle steps the commands use, each at its
own moment, in the order they happened; steps still in the future are left undone, so
some cases are open, some overdue, some closed and revisited.

A line of the scenario is one complaint: `log`'s options by name (`received` is an offset
from now, `-6d 12:40`; `onset_at` is typed as at intake, `-40m` or `12:10`), `by` who took
it, `spotlight` for the case shown in full, and `steps`: each `{"at": offset from
received, "do": what, "by": who, ...}`, the options of that command by name:

- `classify`, `assign`, `done` (`milestone`, `note`), `extend` (`until`: an offset from
  received), `close`, `revisit` — as the commands of the same names;
- `edit`: the corrected fields (`log`'s option names) and `reason`;
- `action add` (`text`, `dept`, `owner`, `due` as typed at that moment, `+2d`), `action
  done` / `action verify` (`action`: 1 for the first action the steps opened, `note`);
- `attach`: `file` (a file of `aftersales_cli/data/`), `name` (kept under), `note`;
- `note` (`text`, `kind`) — a progress note; policy 004's milestones are `done` steps
  (`sample`, `lab_report`, `confirm`) or met by what meets them (`assign`, a call note).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aftersales_cli import files
from aftersales_cli.commands import overdue
from aftersales_cli.commands.context import RulesOption, Session, session
from aftersales_cli.commands.present import sample_until
from aftersales_cli.desk import actions, cases, evidence, parse
from aftersales_cli.desk.work import Desk
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output, records
from aftersales_cli.render.blocks import Block, Heading, Line
from aftersales_cli.rules.calendar import calendar_days, elapsed
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.taxonomy import ACTIVE_STATUSES, SEVERITY_RANK
from aftersales_cli.store import actions as corrective
from aftersales_cli.store import attachments, breaches, events, search
from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import set_meta, transaction

if TYPE_CHECKING:
    from aftersales_cli.reports.period import Period

DEMO_FILE = "aftersales-demo.db"
_DAY_AND_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
_OFFSET = re.compile(r"^([+-])(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:\s+(\d{1,2}):(\d{2}))?$")


def scenario_text() -> str:
    return resources.files("aftersales_cli").joinpath("data/demo.jsonl").read_text("utf-8")


def offset(text: str, base: datetime) -> datetime:
    """`-13d 09:20` (13 days before `base`, at 09:20 local), `-2h30m`, `+25m`, `+1d2h`;
    or a day of the calendar, `2026-09-30 18:20` local (a holiday's eve, a make-up
    Saturday: what business time counts around)."""
    if _DAY_AND_TIME.match(text.strip()):
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=base.tzinfo)
    match = _OFFSET.match(text.strip())
    if not match or not any(match.group(i) for i in (2, 3, 4, 5)):
        raise ValueError(f"bad offset {text!r}")
    sign = 1 if match.group(1) == "+" else -1
    days, hours, minutes = (int(match.group(i) or 0) for i in (2, 3, 4))
    moved = elapsed(calendar_days(base, sign * days), sign * (hours * 60 + minutes))
    if match.group(5) is not None:
        moved = moved.replace(hour=int(match.group(5)), minute=int(match.group(6)), second=0)
    return moved


@dataclass(frozen=True)
class _Moment:
    at: datetime
    order: int
    entry: int
    action: str
    args: dict[str, Any]


def _timeline(entries: list[dict[str, Any]], now: datetime) -> list[_Moment]:
    moments: list[_Moment] = []
    for index, entry in enumerate(entries):
        received = offset(entry["received"], now)
        moments.append(_Moment(received, len(moments), index, "log", entry))
        for step in entry.get("steps", []):
            at = offset(step["at"], received)
            if at <= now:
                moments.append(_Moment(at, len(moments), index, step["do"], step))
    return sorted(moments, key=lambda m: (m.at, m.order))


_STEP_KEYS = frozenset({"at", "do", "by"})


def scenario_file(name: str) -> bytes:
    """A file the scenario attaches, shipped beside it in `aftersales_cli/data/`."""
    return resources.files("aftersales_cli").joinpath(f"data/{name}").read_bytes()


def _apply(
    desk: Desk,
    complaint_id: int,
    action: str,
    args: dict[str, Any],
    received: datetime,
    opened: list[int],
) -> None:
    """One step of the scenario, through the same parser and use case as the command.
    `opened`: the ids of the corrective actions this complaint's steps opened so far."""
    now, rules = desk.now, desk.rules
    if action == "classify":
        classify = parse.classify(
            complaint_id, args.get("category"), args.get("severity"), args.get("reason"), rules
        )
        cases.classify(desk, classify)
    elif action == "assign":
        cases.assign(desk, parse.assign(complaint_id, args.get("dept"), args.get("to")))
    elif action == "done":
        cases.mark_done(
            desk,
            parse.mark_done(complaint_id, args["milestone"], None, args.get("note"), None, now),
        )
    elif action == "extend":
        until = offset(args["until"], received).isoformat()
        milestone = args.get("milestone", "resolution")
        cases.extend(desk, parse.extend(complaint_id, milestone, until, args["reason"], now))
    elif action == "close":
        remedies = args["remedy"] if isinstance(args["remedy"], list) else [args["remedy"]]
        amount = args.get("amount")
        close = parse.close(
            complaint_id,
            remedies=remedies,
            cause=args["cause"],
            amounts=[str(amount)] if amount is not None else [],
            ours=args.get("ours"),
            finding=args.get("finding"),
            supply_value=_text(args.get("supply_value")),
            price=_text(args.get("price")),
            loss=_text(args.get("loss")),
            staff=args.get("staff"),
            note=args.get("note"),
            now=now,
        )
        cases.close(desk, close)
    elif action == "revisit":
        revisit = parse.revisit(
            complaint_id, int(args["satisfaction"]), args.get("method", "phone"), args.get("note")
        )
        cases.revisit(desk, revisit)
    elif action == "edit":
        values = {k: v for k, v in args.items() if k not in _STEP_KEYS | {"reason"}}
        cases.edit(desk, parse.edit(complaint_id, values, args.get("reason"), now, rules))
    elif action == "action add":
        add = parse.add_action(
            complaint_id,
            args["text"],
            args["dept"],
            args.get("owner"),
            args["due"],
            now,
            survey_aspect=args.get("survey_aspect"),
            aspects=rules.survey.aspects,
        )
        opened.append(actions.add(desk, add).id or 0)
    elif action in ("action done", "action verify"):
        to = "done" if action == "action done" else "verified"
        move = parse.move_action(opened[int(args["action"]) - 1], to, args.get("note"))
        actions.move(desk, move)
    elif action == "attach":
        content = scenario_file(args["file"])
        import hashlib  # (its OpenSSL costs every command's --help 8 ms at the top)

        digest = hashlib.sha256(content).hexdigest()
        name = args.get("name", args["file"])
        evidence.attach(
            desk, parse.attach(complaint_id, name, content, digest, args.get("note"), rules)
        )
    elif action == "note":
        cases.note(desk, parse.note(complaint_id, args["text"], args.get("kind")))
    else:
        raise ValueError(f"unknown demo step {action!r}")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def replay(s: Session, text: str) -> tuple[int, int | None]:
    """Replay the scenario into `s`'s database. Returns (complaints, spotlight id)."""
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    ids: dict[int, int] = {}
    received: dict[int, datetime] = {}
    opened: dict[int, list[int]] = {}
    spotlight = None
    for moment in _timeline(entries, s.now):
        here = s.at(moment.at, moment.args.get("by"))
        if moment.action == "log":
            raw = {k: v for k, v in moment.args.items() if k not in ("steps", "by", "spotlight")}
            raw["received_at"] = moment.at.isoformat()
            if str(raw.get("delivery_date", "")).startswith("-"):
                day = offset(raw["delivery_date"], s.now)
                with_time = ":" in raw["delivery_date"]
                raw["delivery_date"] = day.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
            case = cases.log(here.desk(), parse.intake(raw, here.now, here.rules)).case
            assert case.id is not None
            ids[moment.entry], received[moment.entry] = case.id, case.received_at
            if moment.args.get("spotlight"):
                spotlight = case.id
            continue
        _apply(
            here.desk(),
            ids[moment.entry],
            moment.action,
            moment.args,
            received[moment.entry],
            opened.setdefault(moment.entry, []),
        )
    return len(entries), spotlight


def replay_survey(s: Session, text: str) -> None:
    """The clients' details and the quarter's survey, after the complaints (which
    registered the clients): each line a `client add` or a `survey record`, through the
    same parsers and use cases as the commands, as of now (a response at its `at`)."""
    from aftersales_cli.desk import clients
    from aftersales_cli.desk import survey as surveys

    for line in text.splitlines():
        entry = json.loads(line)
        here = s.at(s.now, entry.get("by"))
        if "client" in entry:
            command = parse.add_client(
                entry["client"],
                entry.get("aliases", ()),
                entry.get("kind"),
                offset(entry["since"], s.now).date().isoformat() if "since" in entry else None,
                bool(entry.get("key_account")),
                entry.get("contact"),
                entry.get("phone"),
                here.now,
            )
            clients.add(here.desk(), command)
        else:
            values = {**entry["survey"], "at": offset(entry["at"], s.now).isoformat()}
            surveys.record(here.desk(), parse.survey_response(values, (), here.now, here.rules))


DEMO_TABLES = (
    "kpis",
    "trend",
    "by_category",
    "penalties",
    "illness",
    "corrective_actions",
    "batch_clusters",
)


def _busiest_quarter(cases: list[Case], now: datetime) -> Period:
    """The quarter most of the demo's complaints were received in."""
    from aftersales_cli.reports.period import quarter

    counts = Counter((c.received_at.year, (c.received_at.month - 1) // 3 + 1) for c in cases)
    (year, q), _ = counts.most_common(1)[0]
    return quarter(year, q, now.tzinfo)


def _replace_demo(target: Path) -> None:
    """Refuse to overwrite anything but an earlier demo database."""
    if not target.exists():
        return
    try:
        # immutable: read without touching anything (no -wal or -shm left beside it)
        conn = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
        try:
            marker = conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        marker = None
    if not marker:
        raise BadInput("db", f"{target} exists and is not a demo database; choose another --db")


TRY_WIDTH = 80 - 6  # cells of a command line after its indent ("  $ ", then "      ")


def command_lines(command: str, size: int = TRY_WIDTH) -> list[str]:
    """A shell command as lines of at most `size` cells, each but the last ending in ` \\`
    so that the lines, copied together, are the one command (a terminal would otherwise
    break it anywhere, and a line copied alone would run without the rest). Breaks between
    words, never inside a quoted one."""
    from aftersales_cli.render.cells import width

    lines: list[str] = []
    current = ""
    for word in re.findall(r'"[^"]*"|\S+', command):
        joined = f"{current} {word}" if current else word
        if current and width(joined) + 2 > size:
            lines.append(current + " \\")
            current = word
        else:
            current = joined
    return [*lines, current]


def demo(
    ctx: typer.Context,
    db: Annotated[
        str, typer.Option("--db", metavar="PATH", help="Where to build the demo database.")
    ] = DEMO_FILE,
    rules: RulesOption = None,
) -> None:
    """Built in the current folder: a few weeks of complaints in Chinese and English, and what
    the tool does with them.

    Example: aftersales demo && aftersales --db aftersales-demo.db show 3
    """
    given = files.given_path(db, "db")
    assert given is not None
    # the demo replaces only its own earlier file, never through a link
    files.check_target(given, "db", overwrite=True, database=None)
    target = given
    _replace_demo(target)
    building = target.with_name(f".{target.name}.{os.getpid()}.building")
    with session(ctx, db=str(building), rules=rules, by="demo") as s:
        try:
            with transaction(s.conn):
                set_meta(s.conn, "demo", "1")
            count, spotlight = replay(s, scenario_text())
            replay_survey(s, scenario_file("demo-survey.jsonl").decode("utf-8"))
        except BaseException:
            s.close()
            for leftover in building.parent.glob(building.name + "*"):
                leftover.unlink()
            raise
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    building.replace(target)
    show_demo(target, count, spotlight, rules)


def show_demo(target: Path, count: int, spotlight: int | None, rules: str | None) -> None:
    with session(None, db=str(target), rules=rules) as s:
        _present(s, target, count, spotlight)


def _present(s: Session, target: Path, count: int, spotlight: int | None) -> None:
    from aftersales_cli.render.report_view import report_view
    from aftersales_cli.reports import build

    conn = s.conn
    everything = list(search.search(conn, search.Query()))
    active = list(search.search(conn, search.Query(statuses=ACTIVE_STATUSES)))
    first = min(c.received_at for c in everything)
    blocks: list[Block] = [
        Line(
            f"Built {target} — {count} complaints received since {first:%Y-%m-%d}, "
            f"times in {s.zone_name}.",
            "ok",
        ),
        records.list_table(
            active,
            s.now,
            show_phone=False,
            title=f"Needing attention: {len(active)} (aftersales list)",
        ),
    ]
    if spotlight is not None:
        case = store.get(conn, spotlight)
        blocks += [Heading(f"One case in full (aftersales show {spotlight})")]
        blocks += records.case_view(
            case,
            s.now,
            s.zone_name,
            sample_until=sample_until(case, s),
            events=events.of_case(conn, spotlight),
            actions=corrective.of_case(conn, spotlight),
            attachments=attachments.of_case(conn, spotlight),
        )
    late = breaches.overdue(conn, s.now, s.now, SEVERITY_RANK)
    blocks += [Heading("What cron would report (aftersales overdue)")]
    blocks += overdue.terminal_view(
        late, overdue.Lateness(s.now, s.rules.severity.escalate_when_overdue), s.zone_name
    )
    period = _busiest_quarter(everything, s.now)
    data = build.build(s.reader, period, s.now, s.rules)
    blocks += [Heading(f"The quarter's review (aftersales report --quarter {period.label})")]
    blocks += report_view(data, s.zone_name, only=DEMO_TABLES)[1:]
    from aftersales_cli.desk import survey as surveys
    from aftersales_cli.render.survey_view import figures_blocks

    blocks += [Heading(f"The quarter's survey (aftersales survey report --quarter {period.label})")]
    blocks += figures_blocks(surveys.figures(s.desk(), period))[1:]
    tries: list[Callable[[str], str]] = [
        lambda d: f"aftersales --db {d} list --all --severity urgent",
        lambda d: f"aftersales --db {d} show 1 --json",
        lambda d: f"aftersales --db {d} action list --late",
        lambda d: f"aftersales --db {d} survey plan --quarter {period.label}",
        lambda d: f"aftersales --db {d} attachment {spotlight} 1 --out report.pdf",
        lambda d: f"aftersales --db {d} report --quarter {period.label} --html report.html",
        lambda d: (
            f'aftersales --db {d} log "午餐汤里有头发" --channel hotline '
            "--customer 李女士 --phone 13900001111 --org 阳光幼儿园"
        ),
    ]
    blocks += [Heading("Try")]
    for t in tries:
        opening, *more = command_lines(t(str(target)))
        blocks += [Line(f"  $ {opening}"), *(Line(f"      {line}") for line in more)]
    output.show(blocks)
