"""The options many commands share, defined once (cheap to import: Typer only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="PATH",
        show_default=False,
        help="Database file [default: $AFTERSALES_DB, else "
        "~/.local/share/aftersales/aftersales.db]",
    ),
]
RulesOption = Annotated[
    str | None,
    typer.Option(
        "--rules",
        metavar="FILE",
        show_default=False,
        help="TOML file overriding policy numbers [default: $AFTERSALES_RULES]",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        show_default=False,
        help="Operator name for the history [default: $AFTERSALES_OPERATOR, else your user name]",
    ),
]


# What intake takes down, as `log` asks for it and `edit` corrects it (one declaration).
OrgOption = Annotated[str | None, typer.Option(help="Client organisation (school, company).")]
OrderNoOption = Annotated[str | None, typer.Option("--order-no", help="Order number.")]
ProductOption = Annotated[str | None, typer.Option(help="Product or dish.")]
BatchOption = Annotated[str | None, typer.Option(help="Batch or lot.")]
DeliveryDateOption = Annotated[
    str | None,
    typer.Option("--delivery-date", help="Delivery date, or date and time (2026-11-21 11:30)."),
]
QuantityOption = Annotated[int | None, typer.Option(help="Quantity delivered.")]
DefectiveOption = Annotated[int | None, typer.Option(help="Defective quantity.")]
RequestOption = Annotated[str | None, typer.Option(help="What the customer asks for.")]
SymptomsOption = Annotated[str | None, typer.Option(help="Symptoms (症状): what the sick felt.")]
OnsetOption = Annotated[
    str | None,
    typer.Option(help="When the symptoms began (not after the complaint was received)."),
]
EatenOption = Annotated[str | None, typer.Option(help="How much was eaten (食用量).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys) instead.")]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress bar on a terminal (off a terminal there is none)."
    ),
]
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER


def whole_number(what: str) -> Callable[[str], int]:
    """A parser of a whole number from 1 up (an id, a limit) that explains a bad one in
    words — Click's own range check would print SQLite's largest integer in the help."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise typer.BadParameter(f"{text!r} is not {what} (a whole number, 1 or more)")
        if value > MAX_ID:
            raise typer.BadParameter(f"{value} is too large for {what}")
        return value

    return parse


IdArgument = Annotated[
    int,
    typer.Argument(
        metavar="ID",
        help="Complaint id.",
        show_default=False,
        parser=whole_number("a complaint id"),
    ),
]


class Globals(NamedTuple):
    """Options given before the command name."""

    db: str | None = None
    rules: str | None = None
    by: str | None = None


class Group:
    """Commands under one name (`aftersales action add …`): the group's help (its first
    line the summary `aftersales --help` lists), and each command by name."""

    def __init__(self, help: str, commands: dict[str, Callable[..., Any]]) -> None:
        self.__doc__ = help
        self.commands = commands
