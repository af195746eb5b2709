"""The quarterly satisfaction survey (policy 000 §六(二), 002): `survey plan` of whom to
ask, `survey record` of one response, `survey import` of a form platform's export, and
`survey report` of a quarter's figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftersales_cli import files
from aftersales_cli.commands.bad_rows import ErrorsOption, OverwriteErrorsOption
from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    Session,
    session,
)
from aftersales_cli.commands.options import Group
from aftersales_cli.errors import BadInput, UserError
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import SURVEY_METHODS

if TYPE_CHECKING:
    from aftersales_cli.reports.period import Period

QuarterOption = Annotated[
    str | None,
    typer.Option(help="A quarter: 2026Q4, 2026-Q4, current or last [default: current]."),
]
ShowPhoneOption = Annotated[
    bool, typer.Option("--show-phone", help="Show phone numbers in full (masked otherwise).")
]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the file --csv writes if it exists.")
]


def _quarter(s: Session, text: str | None) -> Period:
    from aftersales_cli.reports.period import parse_quarter

    return parse_quarter(text or "current", s.now)


# ---- plan ------------------------------------------------------------------------------


def plan(
    ctx: typer.Context,
    quarter: QuarterOption = None,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", metavar="FILE", help="Also write the call list as CSV."),
    ] = None,
    show_phone: ShowPhoneOption = False,
    overwrite: OverwriteOption = False,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Who to ask in a quarter's satisfaction survey, with the reason.

    Every long-term client (registered a year or more before the quarter's end), every
    new one (registered in the quarter or the one before), and each customer whose
    complaint was closed in the quarter — once per phone. Drawn as of the quarter's end,
    or now if sooner; the same database and quarter give the same list.

    Example: aftersales survey plan --quarter 2026Q4 --csv q4-calls.csv
    """
    from aftersales_cli.desk import survey as desk
    from aftersales_cli.rules.fields import mask_phone

    with session(ctx, db=db) as s:
        period = _quarter(s, quarter)
        target = (
            files.check_target(csv_file, "csv", overwrite=overwrite, database=s.db_path)
            if csv_file is not None
            else None
        )
        rows = desk.plan(s.desk(), period)

        def phone(value: str | None) -> str | None:
            return value if value is None or show_phone else mask_phone(value)

        if target is not None:
            import csv

            from aftersales_cli.render.spreadsheet import csv_cell

            with files.writing(target, "csv", overwrite=overwrite, encoding="utf-8-sig") as out:
                writer = csv.writer(out)
                writer.writerow(["reason", "client", "name", "phone", "detail"])
                for r in rows:
                    writer.writerow(
                        [
                            csv_cell(v)
                            for v in (r.reason, r.client, r.name, phone(r.phone), r.detail)
                        ]
                    )
        if json_:
            output.print_json(
                {
                    "quarter": period.label,
                    "planned": len(rows),
                    "rows": [{**r._asdict(), "phone": phone(r.phone)} for r in rows],
                }
            )
            return
        from aftersales_cli.render.survey_view import plan_blocks

        blocks: list[Block] = plan_blocks(period.label, rows, phone)
        if target is not None:
            blocks.append(Line(f"Wrote the call list to {target}.", "ok"))
        output.show(blocks)


# ---- record ----------------------------------------------------------------------------


def record(
    ctx: typer.Context,
    client: Annotated[
        str,
        typer.Option("--client", help="The registered client (name or alias).", show_default=False),
    ],
    food: Annotated[int | None, typer.Option(help="菜品质量 food quality, 1-5.")] = None,
    taste: Annotated[int | None, typer.Option(help="口味 taste, 1-5.")] = None,
    hygiene: Annotated[int | None, typer.Option(help="卫生 hygiene, 1-5.")] = None,
    delivery: Annotated[int | None, typer.Option(help="配送准时 on-time delivery, 1-5.")] = None,
    packaging: Annotated[int | None, typer.Option(help="包装 packaging, 1-5.")] = None,
    service: Annotated[int | None, typer.Option(help="服务态度 service attitude, 1-5.")] = None,
    price: Annotated[int | None, typer.Option(help="价格 price, 1-5.")] = None,
    score: Annotated[
        list[str] | None,
        typer.Option(
            "--score",
            metavar="KEY=N",
            help="The score of an aspect the rules file adds (repeatable), e.g. portion=4.",
        ),
    ] = None,
    respondent: Annotated[str | None, typer.Option(help="Who answered.")] = None,
    method: Annotated[
        str,
        typer.Option(
            help="phone 电话, questionnaire 问卷 or online 在线.",
            autocompletion=complete_terms(SURVEY_METHODS),
        ),
    ] = "phone",
    comment: Annotated[str | None, typer.Option(help="What they said.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When they answered [default: now].")
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Record one satisfaction survey response: a score from 1 to 5 per aspect.

    Every aspect is scored (those of the rules file's [survey] aspects; --score for
    aspects it adds). The client must be registered (`aftersales client add`).

    Example: aftersales survey record --client 实验小学 --respondent 王老师 --food 4 --taste 3
    --hygiene 5 --delivery 4 --packaging 4 --service 5 --price 3 --comment "菜偏咸"
    """
    from aftersales_cli.desk import parse
    from aftersales_cli.desk import survey as desk

    with session(ctx, db=db, rules=rules, by=by) as s:
        values = {
            "food": food,
            "taste": taste,
            "hygiene": hygiene,
            "delivery": delivery,
            "packaging": packaging,
            "service": service,
            "price": price,
            "client": client,
            "respondent": respondent,
            "method": method,
            "comment": comment,
            "at": at,
        }
        command = parse.survey_response(values, score or (), s.now, s.rules)
        done = desk.record(s.desk(), command)
        if json_:
            output.print_json(
                {
                    "id": done.id,
                    "client": done.client,
                    "satisfied": done.satisfied,
                    "scores": command.scores,
                }
            )
            return
        mean = sum(command.scores.values()) / len(command.scores)
        output.show(
            [
                Line(
                    f"Recorded survey response {done.id} of {done.client}: mean {mean:.2f}, "
                    + ("satisfied." if done.satisfied else "not satisfied."),
                    "ok",
                )
            ]
        )


# ---- import ----------------------------------------------------------------------------


def import_(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A form platform's export: CSV or XLSX.", show_default=False
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            help="How the rows were gathered when the file does not say.",
            autocompletion=complete_terms(SURVEY_METHODS),
        ),
    ] = "online",
    errors: ErrorsOption = None,
    overwrite_errors: OverwriteErrorsOption = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Import survey responses from a form platform's export (CSV or XLSX).

    Chinese headers as the form has them: 提交时间, 单位, 姓名, one column per aspect
    (菜品质量, 口味, 卫生, 配送准时, 包装, 服务态度, 价格), 意见 — or the options' names.
    Every row is checked as `survey record` checks it; all rows are imported or none. A
    refusal shows the first 20 bad rows with their line and field, and how many more
    there are; --errors FILE gets every one (no file when the import succeeds).

    Example: aftersales survey import 问卷导出.xlsx --errors bad-rows.csv
    """
    from aftersales_cli import exchange
    from aftersales_cli.commands.bad_rows import BadRows, reading
    from aftersales_cli.desk import parse
    from aftersales_cli.desk import survey as desk

    with session(ctx, db=db, rules=rules, by=by) as s:
        default_method = SURVEY_METHODS.parse(method)
        aspects = s.rules.survey.aspects
        columns = exchange.Columns(
            known=(*parse.SURVEY_FIELDS, *aspects),
            aliases={
                **exchange.SURVEY_HEADER_ALIASES,
                **{aspects.zh(k): k for k in aspects},
            },
            allowed="提交时间, 单位, 姓名, the aspects' labels, 意见 (or the options' names)",
        )
        xlsx = source.suffix.lower() in (".xlsx", ".xlsm")
        bad = BadRows.to(source, errors, overwrite=overwrite_errors, database=s.db_path)
        ids: list[int] = []
        the_desk = s.desk()
        try:
            handle = None if xlsx else source.open("rb")
        except OSError as exc:
            raise BadInput("file", f"cannot read {source}: {exc.strerror or exc}") from None
        try:
            with reading(source, bad):
                rows = (
                    exchange.xlsx_table(source, columns)
                    if xlsx
                    else exchange.csv_table(handle, columns)  # type: ignore[arg-type]
                )
                with s.writing() as conn:
                    for row in rows:
                        if row.problem is not None:
                            bad.add(row.line, row.field, row.problem)
                            continue
                        try:
                            command = parse.survey_response(
                                row.values, (), s.now, s.rules, method=default_method
                            )
                            ids.append(desk.write(conn, the_desk, command).id)
                        except RuleError as exc:
                            bad.add(row.line, exc.field, exc.message)
                        except BadInput as exc:
                            bad.add(row.line, exc.field, exc.message.removeprefix(f"{exc.field}: "))
                        except UserError as exc:
                            bad.add(row.line, None, exc.message)
                    if bad.count:
                        raise exchange.ImportError_(bad.count)  # rolls it all back
        finally:
            if handle is not None:
                handle.close()
        if json_:
            output.print_json({"imported": len(ids), "ids": ids})
            return
        output.show([Line(f"Imported {len(ids):,} survey response(s) from {source}.", "ok")])


# ---- report ----------------------------------------------------------------------------


def report(
    ctx: typer.Context,
    quarter: QuarterOption = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """A quarter's satisfaction survey: responses against the plan, scores per aspect and
    client, the satisfied share against its target, and the low aspects with comments.

    A response is satisfied when the mean of its scores is 4 or more; an aspect needs an
    improvement measure when its mean is below 4.0 or fewer than 80 % scored it 4-5 (the
    rules file's [survey]).

    Example: aftersales survey report --quarter last
    """
    from aftersales_cli.desk import survey as desk
    from aftersales_cli.store.db import snapshot

    with session(ctx, db=db, rules=rules) as s:
        period = _quarter(s, quarter)
        with snapshot(s.conn):
            found = desk.figures(s.desk(), period)
        if json_:
            output.print_json(found.to_json())
            return
        from aftersales_cli.render.survey_view import figures_blocks

        output.show(figures_blocks(found))


survey = Group(
    """Policy 000 §六(二): every quarter, ask long-term clients, new clients and customers who
    recently complained, scored by aspect; improve the low ones.

    Example: aftersales survey record --client 实验小学 --food 4 --taste 3 --hygiene 5
    --delivery 4 --packaging 4 --service 5 --price 3
    """,
    {"plan": plan, "record": record, "import": import_, "report": report},
)
