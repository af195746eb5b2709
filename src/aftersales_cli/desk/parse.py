"""What people and files type, made into the desk's typed commands: every value checked
and named as the command that sets it checks it (`rules.fields`, the vocabularies, the
clock). The CLI, the demo and import all parse here — there is no second parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from aftersales_cli import clock
from aftersales_cli.desk import commands as cmd
from aftersales_cli.rules import fields, lifecycle
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import (
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    FINDINGS,
    METHODS,
    MILESTONES,
    NOTE_KINDS,
    PAYMENT_KINDS,
    REMEDIES,
    SEVERITIES,
    SURVEY_METHODS,
    Vocabulary,
)


def term(vocabulary: Vocabulary, value: str | None) -> str | None:
    """An English or Chinese term; None stays None."""
    return None if value is None else vocabulary.parse(value)


def _text(field: str, value: str | None) -> str | None:
    return fields.optional_text(field, value, limit=fields.TEXT_MAX, multiline=True)


def intake_field(field: str, value: str, rules: Rules) -> str:
    """One of the fields `log` may ask for (phone, customer, org, description, channel,
    category), checked as `intake` checks it: a prompt checks each answer as it is typed."""
    if field == "phone":
        return fields.phone(value)
    if field == "description":
        return fields.text("description", value, limit=fields.TEXT_MAX, multiline=True)
    if field == "channel":
        return CHANNELS.parse(value)
    if field == "category":
        return rules.category_terms.parse(value)
    return fields.text(field, value)  # customer, org


# The fields of a complaint as `log` takes them down and `edit` corrects them, by the
# name of their option (`delivery_date` sets the delivery day and, when typed, its time;
# `onset_at` is `--onset`).
COMPLAINT_OPTIONS: tuple[str, ...] = (
    "received_at",
    "channel",
    "customer",
    "phone",
    "description",
    "org",
    "order_no",
    "product",
    "batch",
    "delivery_date",
    "quantity",
    "defective",
    "request",
    "people",
    "ill",
    "injured",
    "symptoms",
    "onset_at",
    "eaten",
    "hospital",
)


def complaint_field(name: str, value: Any, now: datetime, rules: Rules) -> dict[str, Any]:
    """One field of a complaint as typed (`COMPLAINT_OPTIONS`), checked as `log` checks
    it: the complaint's field (or fields) it sets."""
    if name in ("channel", "customer", "phone", "description", "org"):
        return {name: intake_field(name, str(value), rules)}
    if name in ("order_no", "product", "batch", "eaten"):
        return {name: fields.text(name, str(value))}
    if name in ("request", "symptoms"):
        return {name: fields.text(name, str(value), limit=fields.TEXT_MAX, multiline=True)}
    if name == "delivery_date":
        day, delivered = clock.parse_day_or_time(str(value), "delivery_date", now)
        return {"delivery_date": day, "delivered_at": delivered}
    if name in ("quantity", "defective", "people"):
        return {name: fields.count(name, value, minimum=1 if name == "people" else 0)}
    if name in ("ill", "injured", "hospital"):
        return {name: bool(value)}
    if name == "received_at":
        return {name: clock.parse_time(str(value), "received_at", now)}
    if name == "onset_at":
        return {name: clock.parse_time(str(value), "onset", now)}
    raise ValueError(f"{name} is not a field of a complaint")


def intake(values: Mapping[str, Any], now: datetime, rules: Rules) -> cmd.LogComplaint:
    """A complaint as typed (option names as keys): `log`'s options, a demo entry, an
    intake row of an import."""
    taken: dict[str, Any] = {"received_at": now, "people": 1}
    for name in ("channel", "customer", "phone", "description"):
        taken.update(complaint_field(name, values[name], now, rules))
    for name in COMPLAINT_OPTIONS:
        if values.get(name) is not None:
            taken.update(complaint_field(name, values[name], now, rules))
    return cmd.LogComplaint(
        lifecycle.Intake(
            **taken,
            category=term(rules.category_terms, values.get("category")),
            severity=term(SEVERITIES, values.get("severity")),
            reason=fields.optional_text("reason", values.get("reason"), limit=fields.TEXT_MAX),
        )
    )


def edit(
    complaint_id: int, values: Mapping[str, Any], reason: str | None, now: datetime, rules: Rules
) -> cmd.Edit:
    """A correction as typed: the options given (`COMPLAINT_OPTIONS` but the channel, None
    when not given), each checked as `log` checks it, and the reason (required)."""
    corrected: dict[str, Any] = {}
    for name, value in values.items():
        if name == "channel" or name not in COMPLAINT_OPTIONS:
            raise ValueError(f"{name} is not corrected by edit")
        if value is not None:
            corrected.update(complaint_field(name, value, now, rules))
    why = fields.text("reason", reason or "", limit=fields.TEXT_MAX)
    return cmd.Edit(complaint_id, corrected, why)


def classify(
    complaint_id: int,
    category: str | None,
    severity: str | None,
    reason: str | None,
    rules: Rules,
) -> cmd.Classify:
    return cmd.Classify(
        complaint_id,
        term(rules.category_terms, category),
        term(SEVERITIES, severity),
        fields.optional_text("reason", reason, limit=fields.TEXT_MAX),
    )


def assign(complaint_id: int, department: str | None, assignee: str | None) -> cmd.Assign:
    return cmd.Assign(
        complaint_id, term(DEPARTMENTS, department), fields.optional_text("to", assignee)
    )


def mark_done(
    complaint_id: int,
    milestone: str,
    at: str | None,
    note: str | None,
    reason: str | None,
    now: datetime,
) -> cmd.MarkDone:
    return cmd.MarkDone(
        complaint_id,
        MILESTONES.parse(milestone),
        clock.parse_time(at, "at", now) if at is not None else now,
        _text("note", note),
        fields.optional_text("reason", reason, limit=fields.TEXT_MAX),
    )


def extend(complaint_id: int, milestone: str, until: str, reason: str, now: datetime) -> cmd.Extend:
    return cmd.Extend(
        complaint_id,
        MILESTONES.parse(milestone),
        clock.parse_time(until, "until", now),
        fields.text("reason", reason, limit=fields.TEXT_MAX),
    )


def pause(complaint_id: int, reason: str | None) -> cmd.Pause:
    """`aftersales pause ID --reason TEXT`: why the clocks stop (never empty)."""
    return cmd.Pause(complaint_id, fields.text("reason", reason or "", limit=fields.TEXT_MAX))


def resume(complaint_id: int, note: str | None) -> cmd.Resume:
    return cmd.Resume(complaint_id, _text("note", note))


def payment(text: str) -> tuple[str | None, Decimal]:
    """`--amount 36` (the first paying remedy) or `--amount refund=36` (Chinese kinds too)."""
    kind: str | None = None
    value = text
    if "=" in text:
        name, value = text.split("=", 1)
        kind = PAYMENT_KINDS.parse(name.strip())
    paid = fields.amount("amount", value, positive=True)
    assert paid is not None
    return kind, paid


def close(
    complaint_id: int,
    *,
    remedies: Sequence[str],
    cause: str,
    amounts: Sequence[str] = (),
    ours: bool | None = None,
    finding: str | None = None,
    supply_value: str | None = None,
    delivery_date: str | None = None,
    price: str | None = None,
    loss: str | None = None,
    staff: str | None = None,
    note: str | None = None,
    now: datetime,
) -> cmd.Close:
    return cmd.Close(
        complaint_id,
        lifecycle.Closing(
            remedies=tuple(dict.fromkeys(REMEDIES.parse(r) for r in remedies)),
            cause=CAUSES.parse(cause),
            payments=tuple(payment(a) for a in amounts),
            ours=ours,
            finding=term(FINDINGS, finding),
            supply_value=fields.amount("supply_value", supply_value, positive=True),
            price=fields.amount("price", price),
            loss=fields.amount("loss", loss),
            staff=fields.optional_text("staff", staff),
            note=_text("note", note),
            delivery_date=(
                clock.parse_day_or_time(delivery_date, "delivery_date", now)[0]
                if delivery_date is not None
                else None
            ),
        ),
    )


def revisit(complaint_id: int, satisfaction: int, method: str, note: str | None) -> cmd.Revisit:
    return cmd.Revisit(
        complaint_id, fields.satisfaction(satisfaction), METHODS.parse(method), _text("note", note)
    )


def note(complaint_id: int, text: str, kind: str | None) -> cmd.Note:
    """`aftersales note ID TEXT [--kind KIND]` (internal unless said)."""
    return cmd.Note(
        complaint_id,
        fields.text("text", text, limit=fields.TEXT_MAX, multiline=True),
        NOTE_KINDS.parse(kind) if kind is not None else "internal",
    )


def pay(complaint_id: int, kind: str, amount: str, note: str | None) -> cmd.Pay:
    paid = fields.amount("amount", amount, positive=True)
    assert paid is not None
    return cmd.Pay(complaint_id, PAYMENT_KINDS.parse(kind), paid, _text("note", note))


def reverse_payment(complaint_id: int, entry: int, reason: str | None) -> cmd.ReversePayment:
    return cmd.ReversePayment(
        complaint_id, entry, fields.text("reason", reason or "", limit=fields.TEXT_MAX)
    )


def add_action(
    complaint_id: int,
    text: str,
    department: str,
    owner: str | None,
    due: str,
    now: datetime,
    *,
    survey_aspect: str | None = None,
    aspects: Vocabulary | None = None,
) -> cmd.AddAction:
    """`survey_aspect`, when given, is a key or label of the rules' survey `aspects`."""
    aspect = None
    if survey_aspect is not None:
        assert aspects is not None, "a survey aspect is parsed against the rules' aspects"
        try:
            aspect = aspects.parse(survey_aspect)
        except RuleError as error:
            raise RuleError("survey_aspect", error.message) from None
    return cmd.AddAction(
        complaint_id,
        fields.text("text", text, limit=fields.TEXT_MAX, multiline=True),
        DEPARTMENTS.parse(department),
        clock.parse_time(due, "due", now),
        fields.optional_text("owner", owner),
        aspect,
    )


def move_action(action_id: int, to: str, note: str | None) -> cmd.MoveAction:
    return cmd.MoveAction(action_id, to, _text("note", note))


def attach(
    complaint_id: int, name: str, content: bytes, sha256: str, note: str | None, rules: Rules
) -> cmd.Attach:
    """A file as read (`content`, and its SHA-256 computed while reading): not empty,
    within the rules file's size, kept under its cleaned base name, its type read from
    its first bytes."""
    from aftersales_cli.rules import attachments

    limit = rules.attachments.max_bytes
    if not content:
        raise RuleError("file", f"{name} is empty; there is nothing to attach")
    if len(content) > limit:
        raise RuleError(
            "file",
            f"{name} is {attachments.size_text(len(content))}; an attachment is at most "
            f"{attachments.size_text(limit)} (attachments.max_mib in the rules file)",
        )
    return cmd.Attach(
        complaint_id,
        attachments.clean_name(name),
        attachments.sniff(content[: attachments.SNIFF_BYTES]),
        sha256,
        content,
        _text("note", note),
    )


# The fields of a survey response besides its scores, by option name.
SURVEY_FIELDS: tuple[str, ...] = ("at", "client", "respondent", "method", "comment")


def survey_response(
    values: Mapping[str, Any],
    extra_scores: Sequence[str],
    now: datetime,
    rules: Rules,
    *,
    method: str = "phone",
) -> cmd.RecordSurvey:
    """A survey response as typed: `survey record`'s options or a row of a form export
    (`values` by field of SURVEY_FIELDS and by aspect key; None or "" is not given),
    `extra_scores` the `--score KEY=N` pairs. Its time is now unless given, never later
    than now; `method` is the default when `values` names none."""
    from aftersales_cli.rules import survey

    given = {k: v for k, v in values.items() if v is not None and str(v).strip() != ""}
    at = clock.parse_time(str(given["at"]), "at", now) if "at" in given else now
    if at > now:
        raise RuleError("at", f"{clock.show(at)} is later than now; give when it was answered")
    return cmd.RecordSurvey(
        client=fields.text("client", str(given.get("client", ""))),
        scores=survey.scores(
            {k: given.get(k) for k in rules.survey.aspects}, extra_scores, rules.survey
        ),
        method=SURVEY_METHODS.parse(str(given.get("method", method))),
        at=at,
        respondent=fields.optional_text("respondent", _str(given.get("respondent"))),
        comment=_text("comment", _str(given.get("comment"))),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def add_client(
    name: str,
    aliases: Sequence[str],
    kind: str | None,
    since: str | None,
    key_account: bool,
    contact: str | None,
    phone: str | None,
    now: datetime,
) -> cmd.AddClient:
    """A client's name (matched after NFKC, casefold and trim: rules.clients.key), its
    aliases, kind (English or Chinese), since (a date not after today), contact."""
    from aftersales_cli.rules import clients
    from aftersales_cli.rules.taxonomy import CLIENT_KINDS

    name = fields.text("name", name)
    clients.key("name", name)
    day = None
    if since is not None:
        day = clock.parse_day_or_time(since, "since", now)[0]
        if day > now.astimezone(clock.local_zone()).date():
            raise RuleError("since", f"{day} is after today; a client since a day gone by")
    return cmd.AddClient(
        name,
        tuple(fields.text("alias", a) for a in aliases),
        clients.Details(
            term(CLIENT_KINDS, kind),
            day,
            key_account,
            fields.optional_text("contact", contact),
            None if phone is None else fields.phone(phone),
        ),
    )


def alias_client(name: str, alias: str) -> cmd.AliasClient:
    return cmd.AliasClient(fields.text("name", name), fields.text("alias", alias))


def merge_clients(source: str, target: str) -> cmd.MergeClients:
    return cmd.MergeClients(fields.text("from", source), fields.text("into", target))
