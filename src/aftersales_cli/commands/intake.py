"""Taking a complaint down (`log`) and confirming what it is (`classify`)."""

from __future__ import annotations

import shutil
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.completion import complete_categories, complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    Session,
    session,
)
from aftersales_cli.commands.options import (
    BatchOption,
    DefectiveOption,
    DeliveryDateOption,
    EatenOption,
    OnsetOption,
    OrderNoOption,
    OrgOption,
    ProductOption,
    QuantityOption,
    RequestOption,
    SymptomsOption,
)
from aftersales_cli.commands.present import print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.errors import INTERRUPTED, BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import CHANNELS, SEVERITIES, Vocabulary
from aftersales_cli.rules.triage import suggest_category
from aftersales_cli.store.neighbours import last_caller

if TYPE_CHECKING:
    from aftersales_cli.desk.clients import OpenAtClient

ATTEMPTS = 3  # a bad answer is explained and asked again; the third ends the command
ABORTED = "aborted — nothing saved"
NONE = "-"  # typed at the client prompt: no client, whatever was offered
# What `log` asks for on a terminal when it is missing, in the order asked (DECISIONS
# §11: the phone first, so that a returning caller's name and client can be offered).
ASKED = ("phone", "customer", "org", "description", "channel", "category")
# Off a terminal, the first of these that is missing is named in the error.
REQUIRED = ("description", "channel", "customer", "phone")
LABELS = {
    "phone": "Contact phone",
    "customer": "Customer name",
    "org": "Client organisation",
    "description": "What happened",
    "channel": "Channel",
    "category": "Category",
}


def interactive() -> bool:
    """Someone at a terminal who can answer a question (cron and scripts cannot)."""
    return sys.stdin.isatty()


def _say(text: str) -> None:
    """The conversation goes to stderr, so that `log --json > file` keeps only JSON."""
    typer.echo(text, err=True)


def _choices(vocabulary: Vocabulary) -> None:
    """Every term of a field, English and Chinese, wrapped to the terminal."""
    from aftersales_cli.render.cells import width  # counts a Chinese character as two

    limit = max(40, shutil.get_terminal_size().columns - 4)
    line = ""
    for key in vocabulary:
        term = vocabulary.label(key)
        if line and width(line) + 2 + width(term) > limit:
            _say(f"  {line},")
            line = term
        else:
            line = f"{line}, {term}" if line else term
    _say(f"  {line}")


def _ask(
    field: str,
    rules: Rules,
    default: str | None = None,
    *,
    shown: str | None = None,
    optional: bool = False,
) -> str | None:
    """One field, asked until its answer passes the check `log` makes (`parse`), at most
    ATTEMPTS times; Enter takes the default (`shown` as such), and for an optional field
    `-` means none."""
    label = LABELS[field]
    if default is not None:
        label += f" [{shown or default}]"
    if optional:
        label += f" ({NONE} for none)" if default is not None else " (Enter for none)"
    attempt = 1
    while True:
        answer: str = typer.prompt(label, default="", show_default=False, err=True)
        if not answer.strip():
            if default is not None:
                return default
            if optional:
                return None
        elif optional and answer.strip() == NONE:
            return None
        try:
            return parse.intake_field(field, answer, rules)
        except RuleError as exc:
            if attempt == ATTEMPTS:
                raise
            _say(f"  {exc.field}: {exc.message} — try again ({ATTEMPTS - attempt} left)")
            attempt += 1


def _interview(s: Session, values: dict[str, Any]) -> None:
    """Ask for what `log` is missing, each answer checked as it is typed. What was given
    on the command line is checked first, so that nothing typed is lost to it."""
    rules, _ = s.rules, s.operator  # a bad rules file or name fails before any question
    for field in ASKED:
        if values[field] is not None:
            parse.intake_field(field, str(values[field]), rules)
    if values["phone"] is None:
        values["phone"] = _ask("phone", rules)
    caller = last_caller(s.conn, str(values["phone"]))
    if caller is not None:
        _say(
            f"  This phone called before: complaint #{caller.id}, {caller.customer}"
            + (f", {caller.org}" if caller.org else "")
            + "."
        )
    if values["customer"] is None:
        values["customer"] = _ask("customer", rules, caller.customer if caller else None)
    if values["org"] is None:
        values["org"] = _ask("org", rules, caller.org if caller else None, optional=True)
    if values["description"] is None:
        values["description"] = _ask("description", rules)
    if values["channel"] is None:
        _choices(CHANNELS)
        values["channel"] = _ask("channel", rules)
    if values["category"] is None:
        suggested, _ = suggest_category(str(values["description"]), rules)
        _choices(rules.category_terms)
        chosen = _ask("category", rules, suggested, shown=rules.category_terms.label(suggested))
        # Enter keeps the suggestion, which `log` then makes and explains itself
        values["category"] = None if chosen == suggested else chosen


def _fill_from_caller(s: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Off a terminal, a phone that complained before fills the customer, and the client
    when that is not given either (on a terminal the interview offers them instead). A
    customer given by name is someone else on that phone, perhaps: nothing is filled
    then. What was filled, and from which complaint: {} when nothing."""
    if interactive() or values["phone"] is None or values["customer"] is not None:
        return {}
    caller = last_caller(s.conn, parse.intake_field("phone", str(values["phone"]), s.rules))
    if caller is None:
        return {}
    filled: dict[str, Any] = {}
    values["customer"] = filled["customer"] = caller.customer
    if values["org"] is None and caller.org is not None:
        values["org"] = filled["org"] = caller.org
    return {**filled, "from": caller.id}


def _confirm_client(s: Session, values: dict[str, Any]) -> None:
    """At a terminal, a client name nobody registered that is close to one that is gets
    a question: `did you mean 实验小学?` — Enter or y files it under that client, n keeps
    the name as typed (a new client). Elsewhere the name is taken as typed (with a
    warning naming the near matches), so nothing waits for an answer."""
    if not interactive() or values["org"] is None:
        return
    from aftersales_cli.rules import clients as names
    from aftersales_cli.store import clients as registry

    typed = parse.intake_field("org", str(values["org"]), s.rules)
    if registry.resolve(s.conn, names.key("org", typed)) is not None:
        return
    near = names.near_matches(typed, registry.known(s.conn))
    if not near:
        return
    try:
        if typer.confirm(
            f"{typed} is not a registered client. Did you mean {near[0]}?", default=True, err=True
        ):
            values["org"] = near[0]
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write(f"\n{ABORTED}\n")
        raise typer.Exit(INTERRUPTED) from None


def _complete(s: Session, values: dict[str, Any]) -> None:
    """Every required field present: asked for on a terminal, else a clear error (never
    a wait for input that cannot come)."""
    missing = [field for field in REQUIRED if values[field] is None]
    if not missing:
        return
    if not interactive():
        field = missing[0]
        option = "DESCRIPTION" if field == "description" else f"--{field}"
        raise BadInput(field, f"required; give {option}")
    try:
        _interview(s, values)
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C, or the end of input, at a prompt
        sys.stderr.write(f"\n{ABORTED}\n")
        raise typer.Exit(INTERRUPTED) from None


def log(
    ctx: typer.Context,
    description: Annotated[
        str | None,
        typer.Argument(help="What the customer reports, in their words.", show_default=False),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Customer name.")] = None,
    phone: Annotated[str | None, typer.Option(help="Contact phone (7-20 digits).")] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            help="hotline 热线, online 在线, delivery_staff 配送员, letter 信件, onsite 现场.",
            autocompletion=complete_terms(CHANNELS),
        ),
    ] = None,
    org: OrgOption = None,
    order_no: OrderNoOption = None,
    product: ProductOption = None,
    batch: BatchOption = None,
    delivery_date: DeliveryDateOption = None,
    quantity: QuantityOption = None,
    defective: DefectiveOption = None,
    request: RequestOption = None,
    category: Annotated[
        str | None,
        typer.Option(
            help="Category (default: suggested from the description).",
            autocompletion=complete_categories,
        ),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            help="urgent 紧急, general 一般, non_urgent 非紧急 (default: suggested).",
            autocompletion=complete_terms(SEVERITIES),
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why, when setting a severity below the suggestion.")
    ] = None,
    people: Annotated[int, typer.Option(help="How many people are affected.")] = 1,
    ill: Annotated[bool, typer.Option("--ill", help="Someone fell ill after eating.")] = False,
    injured: Annotated[bool, typer.Option("--injured", help="Someone was injured.")] = False,
    received_at: Annotated[
        str | None,
        typer.Option(
            "--received-at", help="When it was received (letters, back-filling) [default: now]."
        ),
    ] = None,
    symptoms: SymptomsOption = None,
    onset: OnsetOption = None,
    eaten: EatenOption = None,
    hospital: Annotated[
        bool, typer.Option("--hospital/--no-hospital", help="Anyone saw a doctor (就医).")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """On a terminal, what is missing is asked for, each answer checked as it is typed: the
    phone first (a returning caller's name and client are offered), then the name,
    client, description, channel and category (Enter keeps the suggested one).

    On the hotline the first contact is made at intake. Warns when the phone has
    complained recently or other complaints name the same batch.

    Example: aftersales log "米饭有馊味，两个孩子腹泻" --channel hotline --customer 王老师
    --phone 13812345678 --org 实验小学 --product 午餐A --batch B1121 --people 2 --ill
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        raw: dict[str, Any] = {
            "description": description,
            "channel": channel,
            "customer": customer,
            "phone": phone,
            "org": org,
            "order_no": order_no,
            "product": product,
            "batch": batch,
            "delivery_date": delivery_date,
            "quantity": quantity,
            "defective": defective,
            "request": request,
            "category": category,
            "severity": severity,
            "reason": reason,
            "people": people,
            "ill": ill,
            "injured": injured,
            "received_at": received_at,
            "symptoms": symptoms,
            "onset_at": onset,
            "eaten": eaten,
            "hospital": hospital,
        }
        filled = _fill_from_caller(s, raw)
        _complete(s, raw)
        _confirm_client(s, raw)
        logged = cases.log(s.desk(), parse.intake(raw, s.now, s.rules))
        case, suggestion, warnings = logged.case, logged.suggestion, logged.warnings
        why = "; ".join(suggestion.reasons)
        extra: dict[str, Any] = {
            "suggestion": {
                "category": suggestion.category,
                "severity": suggestion.severity,
                "reasons": list(suggestion.reasons),
            },
            "warnings": warnings,
            "filled": filled or None,
            "client_open": _open_json(logged.open_at_client),
        }
        lead = [Line(f"Logged complaint #{case.id}.", "ok"), Line(f"Suggested: {why}.", "dim")]
        if filled:
            lead.append(Line(_filled_text(filled), "warning"))
        print_case(s, case, json_=json_, extra=extra, lead=lead)
        if not json_ and logged.open_at_client is not None:
            output.show(_open_blocks(logged.open_at_client, s))
        for warning in warnings:
            output.warn(warning)


def _filled_text(filled: dict[str, Any]) -> str:
    said = " and ".join(
        f"{label} {filled[field]}"
        for field, label in (("customer", "customer"), ("org", "client"))
        if field in filled
    )
    return f"Filled {said} from complaint #{filled['from']} (the same phone)."


def _open_json(found: OpenAtClient | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"client": found.client, "total": found.total, "ids": [b.id for b in found.cases]}


def _open_blocks(found: OpenAtClient, s: Session) -> list[Block]:
    """The client's other open cases, newest last, so the operator on the phone knows."""
    from aftersales_cli.render.blocks import Table
    from aftersales_cli.render.records import term_cell
    from aftersales_cli.rules.taxonomy import SEVERITIES, STATUSES

    more = found.total - len(found.cases)
    title = f"{found.client} has {found.total} other open case(s)" + (
        f"; the newest {len(found.cases)} (aftersales client show {found.client})" if more else ""
    )
    return [
        Table(
            ["#", "received", "category", "severity", "status", "customer"],
            [
                [
                    str(b.id),
                    clock.show(b.received_at),
                    term_cell(s.rules.category_terms, b.category),
                    term_cell(SEVERITIES, b.severity, b.severity),
                    term_cell(STATUSES, b.status),
                    b.customer,
                ]
                for b in found.cases
            ],
            title=title,
            right=frozenset({0}),
            keep=frozenset({0, 1}),
        )
    ]


def classify(
    ctx: typer.Context,
    complaint_id: IdArgument,
    category: Annotated[
        str | None,
        typer.Option(
            help="Category [default: the current one].", autocompletion=complete_categories
        ),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            help="Severity [default: the one the rules suggest for the category].",
            autocompletion=complete_terms(SEVERITIES),
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why, when lowering the severity (required then).")
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Raising makes pending deadlines sooner, counted from now; lowering needs --reason
    (kept in the history) and makes them later. Done milestones and breaches stay.

    Example: aftersales classify 42 --category food_quality --severity general
    --reason "拍照确认只是米饭偏硬，无人不适"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.classify(complaint_id, category, severity, reason, s.rules)
        after = cases.classify(s.desk(), command).after
        print_case(s, after, json_=json_, lead=[Line(f"Classified complaint #{after.id}.", "ok")])
