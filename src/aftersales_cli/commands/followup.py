"""The follow-up call after closure (回访): `revisit`."""

from __future__ import annotations

from typing import Annotated

import typer

from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.present import changed, print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.render import output
from aftersales_cli.rules.taxonomy import METHODS


def revisit(
    ctx: typer.Context,
    complaint_id: IdArgument,
    satisfaction: Annotated[
        int,
        typer.Option(
            help="1 (very unsatisfied) to 5 (very satisfied); a low score (1-2 by default) "
            "reopens the case.",
            show_default=False,
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            help="phone 电话, sms 短信, survey 问卷.", autocompletion=complete_terms(METHODS)
        ),
    ] = "phone",
    note: Annotated[str | None, typer.Option(help="What the customer said.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """An unsatisfied customer (1-2 by default; see aftersales rules) reopens the case with
    a fresh resolution deadline counted from now; it is revisited again after its next
    close.

    Example: aftersales revisit 42 --satisfaction 5 --method phone --note "满意，感谢及时处理"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        after = cases.revisit(
            s.desk(), parse.revisit(complaint_id, satisfaction, method, note)
        ).after
        what = "Reopened" if after.status == "reopened" else "Revisited"
        print_case(s, after, json_=json_, lead=[changed(after, what)])
        if after.status == "reopened" and not json_:
            output.warn(f"complaint #{after.id} is reopened: the customer is not satisfied")
