"""The ledger a use case writes: the fines of a client's supply events (re-evaluated
whenever one changes), a case's staff fine and its payments — appended, never edited,
in the use case's transaction (DECISIONS §9)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime
from decimal import Decimal

from aftersales_cli.rules import ledger, penalties, supply
from aftersales_cli.rules.case import Case, Penalty
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.store import complaints as store
from aftersales_cli.store import ledger as books


def candidate_of(case: Case, rules: Rules) -> ledger.Candidate | None:
    """The case as a fine candidate: a penalty finding that is ours, on a supply event."""
    event = supply.event_key(case.org, case.delivery_date, case.batch, case.product)
    if (
        event is None
        or case.id is None
        or case.supply_value is None
        or not penalties.is_penalty_finding(case.finding, case.ours, rules)
    ):
        return None
    return ledger.Candidate(case.id, event, case.closed_at or case.received_at, case.supply_value)


def _penalty(fine: ledger.Fine | None, complaint_id: int | None) -> Penalty | None:
    if fine is None or fine.complaint_id != complaint_id:
        return None
    return Penalty(fine.offence, fine.multiplier, fine.amount)


def client_fines(
    conn: sqlite3.Connection,
    client: str,
    rules: Rules,
    extra: ledger.Candidate | None = None,
    changed: int | None = None,
) -> tuple[dict[str, ledger.Fine], list[Entry]]:
    """What the ledger should hold for a client's supply events — with complaint
    `changed` as it is about to be stored (`extra`, or no candidate at all) rather than as
    stored — and the fine entries it holds."""
    found = books.candidates(conn, client, rules.penalties.findings, changed)
    if extra is not None and supply.client_of(extra.event) == client:
        found.append(extra)
    entries = books.of_client(conn, client)
    terms = rules.clients.get(client)
    target = ledger.fines(
        found,
        ledger.carriers_of(entries),
        rules.penalties.window_days,
        rules.penalties.ladder,
        ledger.first_fined(entries),
        None if terms is None else terms.contract_start,
    )
    return target, entries


def settle(
    conn: sqlite3.Connection,
    before: Case,
    after: Case,
    rules: Rules,
    *,
    by: str,
    at: datetime,
    why: str,
    payments: tuple[tuple[str, Decimal], ...] = (),
) -> Case:
    """Append what the ledger needs after `before` became `after` (its fines, its staff
    fine, its payments; the fines of its client's other events re-evaluated, their cases'
    penalty updated with a `penalty` history entry). Returns `after` with its penalty."""
    assert after.id is not None
    own = books.of_case(conn, after.id)
    new: list[Entry] = [
        ledger.reversal(e, f"{why}: re-evaluated as a supply event", by, at)
        for e in ledger.standing(own)
        if e.kind == "fine" and e.event is None  # fined before the ledger knew events
    ]
    mine = candidate_of(after, rules)
    keys = {supply.event_key(c.org, c.delivery_date, c.batch, c.product) for c in (before, after)}
    keys |= {e.event for e in ledger.standing(own) if e.kind == "fine" and e.event}
    clients = sorted({supply.client_of(k) for k in keys if k})
    penalty: Penalty | None = None
    others: dict[int, tuple[Penalty | None, str]] = {}
    for client in clients:
        target, entries = client_fines(conn, client, rules, mine, after.id)
        changes = ledger.reconcile(
            entries, target, by=by, at=at, window_days=rules.penalties.window_days, why=why
        )
        new.extend(changes)
        for fine in target.values():
            if fine.complaint_id == after.id:
                penalty = _penalty(fine, after.id)
        for entry in changes:
            if entry.complaint_id != after.id:
                others[entry.complaint_id] = (
                    _penalty(target.get(entry.event or ""), entry.complaint_id),
                    entry.reason or why,
                )
    new.extend(
        ledger.settle_staff_fine(
            own, after.id, after.staff_fine, after.staff, by=by, at=at, why=why
        )
    )
    new.extend(
        Entry(after.id, "payment", amount, at, by, reason=f"paid at {why}", payment_kind=kind)
        for kind, amount in payments
    )
    books.append(conn, new)
    for complaint_id, (their_penalty, reason) in sorted(others.items()):
        other = store.get(conn, complaint_id)
        if other.penalty != their_penalty:
            updated = dataclasses.replace(other, penalty=their_penalty)
            store.update(conn, other, updated, action="penalty", by=by, at=at, note=reason)
    return dataclasses.replace(after, penalty=penalty)


def join_clients(
    conn: sqlite3.Connection,
    old_keys: list[str],
    key: str,
    rules: Rules,
    *,
    by: str,
    at: datetime,
    why: str,
) -> None:
    """After the complaints filed under `old_keys` were filed under the client `key`
    (`client merge`): every standing fine of an event of theirs is reversed (its event
    has another key now), and the joined client's events are numbered anew across both
    histories (DECISIONS §9) — a new fine for each of the moved events, a reversal and a
    new fine for each of the client's own whose offence number changed. The fines keep
    their carriers and same-day order. The cases whose penalty changes get a `penalty`
    history entry. `why` goes into every reason."""

    def moved(event: str | None) -> str:
        return key + (event or "")[len(supply.client_of(event or "")) :]

    old = [e for k in old_keys for e in books.of_client(conn, k)]
    rekeyed = [dataclasses.replace(e, event=moved(e.event)) for e in old]
    own = books.of_client(conn, key)
    terms = rules.clients.get(key)
    target = ledger.fines(
        books.candidates(conn, key, rules.penalties.findings, None),
        ledger.carriers_of([*own, *rekeyed]),
        rules.penalties.window_days,
        rules.penalties.ladder,
        ledger.first_fined([*own, *rekeyed]),
        None if terms is None else terms.contract_start,
    )
    gone = [
        ledger.reversal(
            e,
            f"{why}: {supply.shown(e.event or '')} is now {supply.shown(moved(e.event))}",
            by,
            at,
        )
        for e in ledger.standing(old)
        if e.kind == "fine" and e.event
    ]
    window = rules.penalties.window_days
    new = [*gone, *ledger.reconcile(own, target, by=by, at=at, window_days=window, why=why)]
    books.append(conn, new)
    reasons: dict[int, str] = {}
    for entry in new:  # the reversals come first: what changed, before the new sum
        reasons.setdefault(entry.complaint_id, entry.reason or why)
    carried = {fine.complaint_id: fine for fine in target.values()}
    for complaint_id in sorted(reasons):
        case = store.get(conn, complaint_id)
        penalty = _penalty(carried.get(complaint_id), complaint_id)
        if case.penalty != penalty:
            updated = dataclasses.replace(case, penalty=penalty)
            store.update(
                conn, case, updated, action="penalty", by=by, at=at, note=reasons[complaint_id]
            )
