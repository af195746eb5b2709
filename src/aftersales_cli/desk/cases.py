"""The use cases of the desk, one function each: a typed command (`desk.commands`) and
the unit of work in, what changed out. Each is one transaction (`desk.work.change`, or
`log`'s insert); a refused command writes nothing."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import TYPE_CHECKING, NamedTuple

from aftersales_cli import clock
from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Changed, Desk, change
from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.calendar import calendar_days, elapsed, local_day
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.errors import Refused
from aftersales_cli.rules.triage import Suggestion
from aftersales_cli.store import complaints as store
from aftersales_cli.store import neighbours

if TYPE_CHECKING:
    from aftersales_cli.desk.clients import OpenAtClient

# The client's other open cases `log` names (the newest; the count says how many in all).
OPEN_SHOWN = 5


class Logged(NamedTuple):
    """A complaint taken down: the case as stored, the suggestion it followed, and the
    warnings the operator was given (kept in its first history entry too)."""

    case: Case
    suggestion: Suggestion
    warnings: list[str]
    open_at_client: OpenAtClient | None = None  # the client's other open cases


def log(desk: Desk, command: cmd.LogComplaint) -> Logged:
    """Open the case (triaged once) and store it with its first history entry."""
    intake = command.intake
    with desk.transaction() as conn:  # a refusal rolls back a client registered here too
        told: list[str] = []
        if intake.org is not None:  # filed under the registered client (or registered now)
            from aftersales_cli.desk.clients import file_under

            org, told = file_under(conn, intake.org, intake.received_at, desk.now, desk.operator)
            intake = dataclasses.replace(intake, org=org)
        # triaged under the registered name: a client's contract may have stricter terms
        case, suggestion = lifecycle.triage_and_open(intake, desk.now, desk.rules)
        note = "; ".join(suggestion.reasons)
        if intake.reason is not None:
            note += f"; reason: {intake.reason}"
        # kept in the history too: what the operator was told
        warnings = [*told, *_warnings(desk, case)]
        note = "; ".join([note, *(f"warning: {w}" for w in warnings)])
        case = store.insert(conn, case, by=desk.operator, at=desk.now, note=note)
        others = None
        if case.org is not None and case.id is not None:
            from aftersales_cli.desk.clients import open_at

            others = open_at(conn, case.org, case.id, OPEN_SHOWN)
    return Logged(case, suggestion, warnings, others)


def classify(desk: Desk, command: cmd.Classify) -> Changed:
    return change(
        desk,
        command.complaint_id,
        "classify",
        lambda conn, case: lifecycle.classify(
            case, command.category, command.severity, command.reason, desk.now, desk.rules
        ),
        note=command.reason,
    )


def assign(desk: Desk, command: cmd.Assign) -> Changed:
    return change(
        desk,
        command.complaint_id,
        "assign",
        lambda conn, case: lifecycle.assign(
            case, command.department, command.assignee, desk.rules, desk.now
        ),
        note=None,
    )


def mark_done(desk: Desk, command: cmd.MarkDone) -> Changed:
    """A milestone done; a back-dated one keeps why it is recorded late in the history."""
    late = command.reason and f"recorded late: {command.reason}"
    return change(
        desk,
        command.complaint_id,
        "done",
        lambda conn, case: lifecycle.mark_done(
            case, command.milestone, command.at, desk.now, desk.rules, command.reason
        ),
        note="; ".join(part for part in (command.note, late) if part) or None,
    )


def extend(desk: Desk, command: cmd.Extend) -> Changed:
    return change(
        desk,
        command.complaint_id,
        "extend",
        lambda conn, case: lifecycle.extend(
            case, command.milestone, command.until, command.reason, desk.now
        ),
        note=command.reason,
    )


def pause(desk: Desk, command: cmd.Pause) -> Changed:
    """Stop the case's clocks; the history entry `pause` keeps the reason as its note."""
    return change(
        desk,
        command.complaint_id,
        "pause",
        lambda conn, case: lifecycle.pause(case, command.reason, desk.now, desk.rules),
        note=command.reason,
    )


def resume(desk: Desk, command: cmd.Resume) -> Changed:
    """The clocks run again; the history entry `resume` shows each pending due moving."""
    return change(
        desk,
        command.complaint_id,
        "resume",
        lambda conn, case: lifecycle.resume(case, desk.now, desk.rules),
        note=command.note,
    )


def close(desk: Desk, command: cmd.Close) -> Changed:
    """Close the case and settle its ledger (its fines, its client's other supply events,
    its staff fine, what was paid) in the same transaction."""
    from aftersales_cli.desk.ledger import settle  # (the ledger: only what moves money)

    closing = command.closing

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        after = lifecycle.close(case, closing, desk.now, desk.rules)
        return settle(
            conn,
            case,
            after,
            desk.rules,
            by=desk.operator,
            at=desk.now,
            why=f"close of #{case.id}",
            payments=tuple(lifecycle.payments_of(closing)),
        )

    return change(desk, command.complaint_id, "close", step, note=closing.note)


def revisit(desk: Desk, command: cmd.Revisit) -> Changed:
    return change(
        desk,
        command.complaint_id,
        "revisit",
        lambda conn, case: lifecycle.revisit(
            case, command.satisfaction, command.method, command.note, desk.now, desk.rules
        ),
        note=command.note,
    )


def note(desk: Desk, command: cmd.Note) -> Changed:
    """A progress note at any status: its text is the history entry's note, its kind the
    entry's `note.kind`; a call, visit or message may meet contact or confirm."""
    return change(
        desk,
        command.complaint_id,
        "note",
        lambda conn, case: lifecycle.note(case, command.kind, desk.now),
        note=command.text,
        said={"note.kind": (None, command.kind)},
    )


def pay(desk: Desk, command: cmd.Pay, note: str) -> Changed:
    """A payment to the customer, at any time after intake: a ledger entry and a history
    entry (`note`, what it says), in one transaction."""
    from aftersales_cli.rules.ledger import Entry
    from aftersales_cli.store import ledger as books

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        assert case.id is not None
        entry = Entry(
            case.id,
            "payment",
            command.amount_yuan,
            desk.now,
            desk.operator,
            reason=command.note,
            payment_kind=command.kind,
        )
        books.append(conn, [entry])
        return case

    return change(desk, command.complaint_id, "pay", step, note=note)


def reverse_payment(desk: Desk, command: cmd.ReversePayment, note: str) -> Changed:
    """A mistaken payment reversed by a new entry (nothing else changes an entry)."""
    from aftersales_cli.rules import ledger
    from aftersales_cli.store import ledger as books

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        entry = books.get(conn, command.entry)
        if entry.complaint_id != case.id:
            raise Refused(
                "reverse", f"ledger entry {command.entry} belongs to complaint {entry.complaint_id}"
            )
        if entry.kind != "payment" or entry.reverses is not None:
            raise Refused(
                "reverse",
                f"ledger entry {command.entry} is a {entry.kind}"
                + (" reversal" if entry.reverses is not None else "")
                + "; pay --reverse cancels a payment (fines follow the case's findings)",
            )
        if books.is_reversed(conn, command.entry):
            raise Refused("reverse", f"ledger entry {command.entry} is already reversed")
        books.append(conn, [ledger.reversal(entry, command.reason, desk.operator, desk.now)])
        return case

    return change(desk, command.complaint_id, "pay", step, note=note)


def edit(desk: Desk, command: cmd.Edit) -> Changed:
    """Correct a case's intake data (open or closed) with the reason: one `edit` entry
    with each field old → new. What depends on a field follows it: the deadlines a
    received time counts (`lifecycle.edit`), the repeat figures of a phone, client or time
    (`store.complaints.write`), and the fines of the supply events the case leaves and
    joins — reversed and entered anew through the ledger (`desk.ledger.settle`), in the
    same transaction."""
    from aftersales_cli.rules import supply
    from aftersales_cli.store import events

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        assert case.id is not None
        logged = events.opened_at(conn, case.id)
        values = command.values
        if values.get("org") is not None:  # filed under the registered client, as at log
            from aftersales_cli.desk.clients import file_under

            org, _ = file_under(conn, values["org"], case.received_at, desk.now, desk.operator)
            values = {**values, "org": org}
        after = lifecycle.edit(case, values, logged, desk.now, desk.rules)
        if supply.event_key(
            case.org, case.delivery_date, case.batch, case.product
        ) == supply.event_key(after.org, after.delivery_date, after.batch, after.product):
            return after
        from aftersales_cli.desk.ledger import settle  # (the ledger: only what moves money)

        return settle(
            conn, case, after, desk.rules, by=desk.operator, at=desk.now, why=f"edit of #{case.id}"
        )

    return change(desk, command.complaint_id, "edit", step, note=command.reason)


# ---- what `log` warns of ----------------------------------------------------------------


def _warnings(desk: Desk, case: Case) -> list[str]:
    """Same phone recently; other complaints on the same batch or meal."""
    rules, conn = desk.rules, desk.conn
    found = []
    since = calendar_days(case.received_at, -rules.intake.repeat_window_days)
    earlier = neighbours.same_phone(conn, case.phone, since, desk.now, case.id)
    if earlier:
        ids = ", ".join(
            f"#{n.id} ({n.category}, {clock.show(n.received_at)[5:10]})" for n in earlier[-5:]
        )
        found.append(
            f"this phone has complained {len(earlier)} time(s) in the last "
            f"{rules.intake.repeat_window_days} days: {ids}"
        )
    found.extend(_client_warnings(desk, case))
    window = rules.intake.batch_window_hours
    cluster = neighbours.same_batch(
        conn, case, elapsed(case.received_at, -window * 60), elapsed(case.received_at, window * 60)
    )
    if cluster:
        what = (
            f"batch {case.batch}"
            if case.batch
            else (f"{case.product} delivered {case.delivery_date}")
        )
        ids = ", ".join(f"#{n.id} ({n.category})" for n in cluster[:8])
        found.append(
            f"{len(cluster)} other complaint(s) on {what} within {window} h: {ids} — "
            "possible batch incident: check the batch, consider sealing samples or a recall"
        )
    return found


def _client_warnings(desk: Desk, case: Case) -> list[str]:
    """The same client (whatever phone) recently in the same category; several
    food-safety or illness complaints from the client today (a cluster, batch or not).
    Earlier complaints that the cluster names already are not named twice."""
    rules, conn, found = desk.rules, desk.conn, []
    today: list[neighbours.Neighbour] = []
    if case.category in rules.intake.cluster_categories:
        start, end = local_day(case.received_at)
        today = neighbours.same_client(
            conn, case.org, rules.intake.cluster_categories, start, end, case.id
        )
    since = calendar_days(case.received_at, -rules.intake.repeat_window_days)
    up_to_now = elapsed(desk.now, 1 / 60)  # received up to this second, inclusive
    earlier = neighbours.same_client(conn, case.org, [case.category], since, up_to_now, case.id)
    if earlier and not {n.id for n in earlier} <= {n.id for n in today}:
        found.append(
            f"{case.org} complained {len(earlier)} time(s) about {case.category} in the last "
            f"{rules.intake.repeat_window_days} days: {', '.join(f'#{n.id}' for n in earlier[-8:])}"
        )
    if today:
        kinds = "/".join(sorted(rules.intake.cluster_categories))
        ids = ", ".join(f"#{n.id} ({n.category})" for n in today[:8])
        found.append(
            f"{len(today)} other {kinds} complaint(s) from {case.org} on "
            f"{start.date().isoformat()}: {ids} — possible incident at one client: check "
            "what was served there that day, consider sealing samples"
        )
    return found
