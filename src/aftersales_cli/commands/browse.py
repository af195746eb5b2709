"""Looking things up: `show` one complaint whole, `list` the ones that need attention."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aftersales_cli import clock
from aftersales_cli.commands.completion import complete_categories, complete_terms
from aftersales_cli.commands.context import (
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
    terms,
)
from aftersales_cli.commands.options import whole_number
from aftersales_cli.commands.present import money_extra, print_case, sample_until
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output, record_json, records
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules import fields
from aftersales_cli.rules.taxonomy import ACTIVE_STATUSES, DEPARTMENTS, SEVERITIES, STATUSES
from aftersales_cli.store import actions, attachments, events, search
from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import snapshot

TERMINAL_LIMIT = 50


def show(
    ctx: typer.Context,
    complaint_id: IdArgument,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Every deadline with its state, the attachments, and the history as a timeline. The
    phone is shown in full: you call back from it.

    Example: aftersales show 42
    """
    with session(ctx, db=db, rules=rules) as s:
        _ = s.rules
        with snapshot(s.conn) as conn:
            case = store.get(conn, complaint_id)
            history = events.of_case(conn, complaint_id)
            money = money_extra(conn, case, s.rules)
            corrective = actions.of_case(conn, complaint_id)
            kept = attachments.of_case(conn, complaint_id)
        print_case(
            s,
            case,
            json_=json_,
            events=history,
            money=money,
            actions=corrective,
            attachments=kept,
        )


def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Every complaint, done ones too.")] = False,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this status (repeatable): new, classified, assigned, closed, revisited, "
            "reopened.",
            autocompletion=complete_terms(STATUSES),
        ),
    ] = None,
    severity: Annotated[
        list[str] | None,
        typer.Option(help="Only this severity.", autocompletion=complete_terms(SEVERITIES)),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(help="Only this category.", autocompletion=complete_categories),
    ] = None,
    dept: Annotated[
        list[str] | None,
        typer.Option(
            "--dept", help="Only this department.", autocompletion=complete_terms(DEPARTMENTS)
        ),
    ] = None,
    org: Annotated[list[str] | None, typer.Option(help="Only this client.")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Received on or after (date or time).")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Received on or before (a date includes that whole day)."),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            help="A text in the description, request, names, product, batch, order, phone or "
            "notes (the newest first)."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help=f"At most this many [default: {TERMINAL_LIMIT} on a terminal, else all].",
            parser=whole_number("a limit"),
        ),
    ] = None,
    show_phone: Annotated[
        bool, typer.Option("--show-phone", help="Show phone numbers in full.")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Open ones, and closed ones awaiting the revisit, the most pressing deadline first.

    Example: aftersales list --severity urgent --org 实验小学
    """
    with session(ctx, db=db, rules=rules) as s:
        rules_ = s.rules
        statuses = terms(STATUSES, status)
        if not statuses and not all_:
            statuses = ACTIVE_STATUSES
        since = s.time(from_, "from") if from_ is not None else None
        until = None
        if to is not None:
            day, moment = clock.parse_day_or_time(to, "to", s.now)
            until = clock.end_of(day, moment)
        if since and until and until <= since:
            raise BadInput("to", "must not be before --from")
        if limit is None and output.on_terminal() and not json_:
            limit = TERMINAL_LIMIT
        query = search.Query(
            statuses=statuses,
            severities=terms(SEVERITIES, severity),
            categories=terms(rules_.category_terms, category),
            departments=terms(DEPARTMENTS, dept),
            orgs=tuple(fields.text("org", o) for o in org or []),
            since=since,
            until=until,
            text=fields.optional_text("text", text),
            limit=limit,
        )
        if search.scans(query):
            output.note(
                "text: one character (or one digit of a phone) — searching every complaint, "
                "slow at scale"
            )
        cases = search.search(s.conn, query)
        if json_:
            output.stream_json(
                record_json.case_json(
                    c, s.now, sample_until=sample_until(c, s), show_phone=show_phone
                )
                for c in cases
            )
            return
        if output.on_terminal():
            shown = list(cases)
            if not shown:
                output.show([Line("No complaints match.", "dim")])
                return
            title = f"{len(shown)} complaint(s)" + (
                " (limit reached)" if limit == len(shown) else ""
            )
            output.show([records.list_table(shown, s.now, show_phone=show_phone, title=title)])
            return
        # Piped: every row, streamed in fixed columns (memory stays flat).
        count = 0
        for count, case in enumerate(cases, start=1):
            if count == 1:
                sys.stdout.write(records.LIST_HEADER)
            sys.stdout.write(records.list_line(case, s.now, show_phone=show_phone))
        sys.stdout.write(f"{count} complaint(s)\n" if count else "No complaints match.\n")
