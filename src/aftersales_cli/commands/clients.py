"""The client registry (客户, issue 13): `client add`, `client list`, `client show`,
`client alias`, `client merge`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.options import Group
from aftersales_cli.desk import clients as desk
from aftersales_cli.desk import parse
from aftersales_cli.render import output, record_json
from aftersales_cli.render.blocks import Block, Fields, Line, Table, show_yuan
from aftersales_cli.rules.clients import Client
from aftersales_cli.rules.fields import mask_phone
from aftersales_cli.rules.taxonomy import CATEGORIES, CLIENT_KINDS, STATUSES
from aftersales_cli.store import clients as store
from aftersales_cli.store.db import snapshot

if TYPE_CHECKING:
    from aftersales_cli.store.survey import ClientSurvey

NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="The client's name or one of its aliases (case and full-width/half-width "
        "do not matter).",
        show_default=False,
    ),
]
KINDS_HELP = "school 学校, office 单位, canteen 食堂, other 其他"


def _fields(client: Client, *, show_phone: bool) -> Fields:
    phone = client.phone or ""
    if phone and not show_phone:
        phone = mask_phone(phone)
    contact = " ".join(part for part in (client.contact or "", phone) if part)
    return Fields(
        [
            ("client", f"{client.name} (#{client.id})"),
            ("aliases", ", ".join(client.aliases) or "-"),
            ("kind", CLIENT_KINDS.label(client.kind) or "-"),
            ("since", client.since.isoformat() if client.since else "-"),
            ("key account", "yes 重点客户" if client.key_account else "no"),
            ("contact", contact or "-"),
            ("registered", f"by {client.registered_by}, {clock.show(client.created_at)}"),
        ]
    )


def _print(client: Client, lead: str, *, json_: bool, extra: dict[str, Any]) -> None:
    if json_:
        output.print_json({**record_json.client_json(client), **extra})
        return
    output.show([Line(lead, "ok"), _fields(client, show_phone=False)])


def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The client's name.")],
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", help="Another name it is known by (repeatable)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help=f"What kind of client: {KINDS_HELP}.", autocompletion=complete_terms(CLIENT_KINDS)
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="A client since this date [default: today].", show_default=False),
    ] = None,
    key_account: Annotated[
        bool, typer.Option("--key-account", help="A key account (重点客户).")
    ] = False,
    contact: Annotated[str | None, typer.Option(help="The contact person's name.")] = None,
    phone: Annotated[str | None, typer.Option(help="The contact's phone.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Register a client (客户), or fill in one that intake registered on its own.

    Names match whatever the case and full-width or half-width; a name or alias already
    registered is refused (client merge joins two clients).

    Example: aftersales client add 实验小学 --alias 实小 --kind 学校 --since 2024-09-01
    --key-account --contact 李主任 --phone 13900001111
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.add_client(
            name, alias or [], kind, since, key_account, contact, phone, s.now
        )
        added = desk.add(s.desk(), command)
        what = "Updated" if added.updated else "Registered"
        _print(
            added.client,
            f"{what} client {added.client.name}.",
            json_=json_,
            extra={"updated": added.updated},
        )


def list_(
    ctx: typer.Context,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the registered clients, by name, with their complaints.

    Merged clients are not listed: their names are aliases of the client they went into.
    Phones are masked.

    Example: aftersales client list --json
    """
    with session(ctx, db=db) as s:
        with snapshot(s.conn) as conn:
            found = store.listing(conn)
        if json_:
            output.print_json([{**record_json.client_json(c), "complaints": n} for c, n in found])
            return
        if not found:
            output.show([Line("No clients registered.", "dim")])
            return
        rows: list[list[Any]] = [
            [
                str(c.id),
                c.name,
                CLIENT_KINDS.label(c.kind),
                c.since.isoformat() if c.since else "",
                "yes" if c.key_account else "",
                f"{n:,}",
                ", ".join(c.aliases),
                c.registered_by,
            ]
            for c, n in found
        ]
        output.show(
            [
                Table(
                    ["id", "client", "kind", "since", "key", "complaints", "aliases", "by"],
                    rows,
                    title="Clients",
                    right=frozenset({0, 5}),
                    keep=frozenset({0, 3, 5}),
                    optional=(6, 2, 7, 4),
                )
            ]
        )


def _survey_json(survey: ClientSurvey) -> dict[str, Any]:
    """Its satisfaction survey responses: how many, the share satisfied (mean ≥ 4), the
    mean score, the last one's time."""
    return {
        "responses": survey.responses,
        "satisfaction_rate": round(survey.satisfied / survey.responses, 4)
        if survey.responses
        else None,
        "mean": round(survey.total / survey.n, 2) if survey.n else None,
        "last_at": clock.iso_local(survey.last_at),
    }


def _survey_text(survey: ClientSurvey) -> str:
    if not survey.responses:
        return "no responses"
    return (
        f"{survey.responses:,} response(s), {survey.satisfied / survey.responses:.0%} "
        f"satisfied (mean ≥ 4), mean {survey.total / survey.n:.2f}, the last "
        f"{clock.show(survey.last_at)[:10]}"
    )


OPEN_SHOWN = 10  # open cases `client show` prints (JSON has them all)


def show(
    ctx: typer.Context,
    name: NameArgument,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Show a client: its complaints by category and status, open cases, offences, money.

    The offences are the standing fines of its supply events delivered within the
    penalty window, with the multiplier its next offence would be fined at; the money is
    net of reversals; satisfaction is the revisits' scores. Complaints filed under any of
    its names or aliases count.

    Example: aftersales client show 实验小学
    """
    with session(ctx, db=db, rules=rules) as s:
        with snapshot(s.conn) as conn:
            # on a screen the newest open cases (a large client has hundreds); JSON all
            p = desk.profile(s.desk(), conn, name, open_shown=None if json_ else OPEN_SHOWN)
        counts = p.counts
        rate = counts.satisfied / counts.revisited if counts.revisited else None
        mean = counts.score_sum / counts.revisited if counts.revisited else None
        fines = sum((Decimal(v) for (k, _), v in p.money.items() if k == "fine"), Decimal(0))
        staff = sum((Decimal(v) for (k, _), v in p.money.items() if k == "staff_fine"), Decimal(0))
        paid = {kind or "": Decimal(v) / 100 for (k, kind), v in p.money.items() if k == "payment"}
        if json_:
            output.print_json(
                {
                    **record_json.client_json(p.client, show_phone=True),
                    "complaints": counts.total,
                    "by_category": counts.by_category,
                    "by_status": counts.by_status,
                    "open": [_brief_json(b) for b in p.open_cases],
                    "offences": [
                        {
                            "event": o.event.replace("\x1f", " · "),
                            "complaint_id": o.complaint_id,
                            "offence": o.offence,
                            "multiplier": record_json.number(o.multiplier),
                            "amount": record_json.number(o.amount),
                        }
                        for o in p.offences
                    ],
                    "next_multiplier": record_json.number(p.next_multiplier),
                    "window_days": s.rules.penalties.window_days,
                    "money": {
                        "fines": record_json.number(fines / 100),
                        "staff_fines": record_json.number(staff / 100),
                        "paid": {k: record_json.number(v) for k, v in sorted(paid.items())},
                    },
                    "revisits": {
                        "scored": counts.revisited,
                        "satisfied": counts.satisfied,
                        "satisfaction_rate": None if rate is None else round(rate, 4),
                        "mean": None if mean is None else round(mean, 2),
                    },
                    "survey": _survey_json(p.survey),
                    "latest": [_brief_json(b) for b in p.latest],
                }
            )
            return
        blocks: list[Block] = [_fields(p.client, show_phone=True)]
        blocks.append(
            Fields(
                [
                    ("complaints", f"{counts.total:,}"),
                    *(
                        (f"  {CATEGORIES.label(k)}", f"{n:,}")
                        for k, n in sorted(counts.by_category.items(), key=lambda i: -i[1])
                    ),
                    (
                        "by status",
                        ", ".join(
                            f"{STATUSES.label(k)} {n:,}"
                            for k, n in sorted(counts.by_status.items())
                        )
                        or "-",
                    ),
                    (
                        "revisits",
                        f"{counts.revisited:,} scored, {rate:.0%} satisfied (4–5), mean {mean:.2f}"
                        if rate is not None and mean is not None
                        else "none scored",
                    ),
                    ("survey", _survey_text(p.survey)),
                    (
                        "offences",
                        f"{len(p.offences)} in the last {s.rules.penalties.window_days} days; "
                        f"the next is fined ×{p.next_multiplier}",
                    ),
                    ("fines", show_yuan(fines / 100)),
                    ("staff fines", show_yuan(staff / 100)),
                    (
                        "paid",
                        ", ".join(f"{k} {show_yuan(v)}" for k, v in sorted(paid.items())) or "-",
                    ),
                ],
                title="Complaints and money",
            )
        )
        if p.offences:
            blocks.append(
                Table(
                    ["day", "complaint", "offence", "×", "fine"],
                    [
                        [
                            o.day.isoformat(),
                            f"#{o.complaint_id}",
                            str(o.offence),
                            f"×{o.multiplier}",
                            show_yuan(o.amount),
                        ]
                        for o in p.offences
                    ],
                    title="Offences in the window",
                    right=frozenset({2, 3, 4}),
                    keep=frozenset({0, 1, 2, 3, 4}),
                )
            )
        shown = len(p.open_cases)
        blocks.append(
            _briefs(
                p.open_cases,
                f"Open cases ({p.open_total})"
                if shown == p.open_total
                else f"Open cases: the newest {shown} of {p.open_total:,} "
                f"(aftersales list --org {p.client.name} lists them all)",
            )
        )
        blocks.append(_briefs(p.latest, f"Last complaints ({s.zone_name})"))
        output.show(blocks)


def _brief_json(b: store.Brief) -> dict[str, Any]:
    return {
        "id": b.id,
        "received_at": clock.iso_local(b.received_at),
        "category": b.category,
        "severity": b.severity,
        "status": b.status,
        "customer": b.customer,
    }


def _briefs(items: list[store.Brief], title: str) -> Block:
    if not items:
        return Line(f"{title}: none.", "dim")
    return Table(
        ["#", "received", "category", "status", "customer"],
        [
            [
                str(b.id),
                clock.show(b.received_at),
                CATEGORIES.label(b.category),
                STATUSES.label(b.status),
                b.customer,
            ]
            for b in items
        ],
        title=title,
        right=frozenset({0}),
        keep=frozenset({0, 1}),
        optional=(4,),
    )


def alias(
    ctx: typer.Context,
    name: NameArgument,
    alias_: Annotated[str, typer.Argument(metavar="ALIAS", help="Another name it is known by.")],
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Give a client another name (别名): intake files complaints under that name as the
    client's from then on.

    A name another client holds is refused: client merge makes two clients one.

    Example: aftersales client alias 实验小学 实小
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        client = desk.alias(s.desk(), parse.alias_client(name, alias_))
        _print(client, f"{alias_} is now an alias of {client.name}.", json_=json_, extra={})


def merge(
    ctx: typer.Context,
    from_: Annotated[
        str,
        typer.Argument(metavar="FROM", help="The client merged away (its names become aliases)."),
    ],
    into: Annotated[str, typer.Argument(metavar="INTO", help="The client that stays.")],
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Merge one client into another (合并): two spellings that are one client.

    Nothing is lost: FROM's name and aliases become INTO's aliases, and both histories
    say so. INTO keeps its name and details; what it leaves unsaid comes from FROM, and
    it is a client since the earlier of the two. FROM's complaints are filed under INTO
    (each with an edit entry naming the merge), so the penalty ladder, client repeats,
    clusters and reports count one client: FROM's fines are reversed and the fined
    events of both numbered anew together, through the ledger.

    Example: aftersales client merge "实验小学(东校区)" 实验小学
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        merged = desk.merge(s.desk(), parse.merge_clients(from_, into))
        _print(
            merged.client,
            f"Merged {from_} into {merged.client.name}: {merged.moved} complaint(s) filed "
            f"under {merged.client.name}.",
            json_=json_,
            extra={"moved": merged.moved},
        )


client = Group(
    """The client registry: each client once, whatever the spelling. Intake files a
    complaint's --org under the registered client its name or alias matches, and
    registers a name it does not know (warning of near matches).

    Example: aftersales client add 实验小学 --alias 实小 --kind school --key-account
    """,
    {"add": add, "list": list_, "show": show, "alias": alias, "merge": merge},
)
