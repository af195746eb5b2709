"""Supply events, offences and the ledger of fines and payments (POLICY.md §5,
DECISIONS.md §9). Pure: the shell reads the client's cases and entries, asks what the
ledger should hold, and appends what `reconcile` returns — entries are never edited.

A supply event is one delivery: the client, the local delivery day, and the batch (or,
without one, the product). Several complaints about one delivery are one offence with one
fine, carried by the first closed case of the event; the others are "the same offence".
An event's offence number counts the client's other fined events delivered in the window
before its day (and those of the same day fined before it), so the order in which cases
are closed never changes the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from aftersales_cli.rules.calendar import months_after
from aftersales_cli.rules.fields import round_fen
from aftersales_cli.rules.penalties import on_the_ladder
from aftersales_cli.rules.supply import day_of, shown


@dataclass(frozen=True)
class Entry:
    """One line of the ledger. A reversal has the opposite amount and `reverses` the id of
    the entry it cancels; nothing else ever changes an entry."""

    complaint_id: int
    kind: str  # fine | staff_fine | payment
    amount: Decimal
    at: datetime
    by: str
    reason: str | None = None
    payment_kind: str | None = None
    reverses: int | None = None
    event: str | None = None
    offence: int | None = None
    multiplier: Decimal | None = None
    staff: str | None = None
    id: int | None = None


def standing(entries: Iterable[Entry]) -> list[Entry]:
    """Entries that are neither reversals nor reversed."""
    items = list(entries)
    reversed_ids = {e.reverses for e in items if e.reverses is not None}
    return [e for e in items if e.reverses is None and e.id not in reversed_ids]


def net(entries: Iterable[Entry], kind: str | None = None) -> Decimal:
    """The sum of the entries (of one kind), reversals included."""
    return sum((e.amount for e in entries if kind is None or e.kind == kind), Decimal(0))


def reversal(entry: Entry, reason: str, by: str, at: datetime) -> Entry:
    assert entry.id is not None, "only a stored entry is reversed"
    return replace(
        entry, id=None, amount=-entry.amount, reason=reason, by=by, at=at, reverses=entry.id
    )


@dataclass(frozen=True)
class Candidate:
    """A case whose finding fines its supply event: a penalty finding that is ours."""

    complaint_id: int
    event: str
    closed_at: datetime
    supply_value: Decimal


@dataclass(frozen=True)
class Fine:
    """What the ledger should hold for one supply event."""

    event: str
    complaint_id: int  # the case that carries the fine
    offence: int
    multiplier: Decimal
    amount: Decimal
    earlier: tuple[str, ...]  # the events that made this offence number
    cases: tuple[int, ...]  # every case of the event, the carrier first
    contract_year: date | None = None  # the window starts here, not `window_days` back

    @property
    def day(self) -> date:
        return day_of(self.event)


def fines(
    candidates: Iterable[Candidate],
    carriers: Mapping[str, int],
    window_days: int,
    ladder: Sequence[Decimal],
    fined_at: Mapping[str, datetime] | None = None,
    contract_start: date | None = None,
) -> dict[str, Fine]:
    """The fine of every supply event of one client. An event's offence number counts the
    client's fined events delivered in the `window_days` before it — or since its current
    contract year began, when the client's terms give a `contract_start` and that is
    later (DECISIONS §9). `carriers` says which case carries
    each event's fine now: it keeps it while it still has a penalty finding; otherwise
    the earliest closed case of the event that has one takes it. Events delivered the
    same day are numbered in the order they were first fined (`fined_at`, from the
    ledger; an event not fined yet comes after those that were)."""
    first = fined_at or {}
    by_event: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_event.setdefault(c.event, []).append(c)
    carrier: dict[str, Candidate] = {}
    for event, cases in by_event.items():
        cases.sort(key=lambda c: (c.closed_at, c.complaint_id))
        kept = [c for c in cases if c.complaint_id == carriers.get(event)]
        carrier[event] = kept[0] if kept else cases[0]
    # same-day events: the one fined first comes first; a re-close does not reorder them
    order = sorted(
        by_event,
        key=lambda e: (day_of(e), e not in first, first.get(e) or by_event[e][0].closed_at, e),
    )
    result: dict[str, Fine] = {}
    for n, event in enumerate(order):
        day = day_of(event)
        start, year = window_start(day, window_days, contract_start)
        earlier = tuple(
            other
            for other in order[:n]
            if start <= day_of(other) <= day  # earlier in the order: before it, or same day
        )
        offence = len(earlier) + 1
        k = on_the_ladder(offence, ladder)
        chosen = carrier[event]
        result[event] = Fine(
            event=event,
            complaint_id=chosen.complaint_id,
            offence=offence,
            multiplier=k,
            amount=round_fen(k * chosen.supply_value),
            earlier=earlier,
            contract_year=year,
            cases=(
                chosen.complaint_id,
                *(c.complaint_id for c in by_event[event] if c is not chosen),
            ),
        )
    return result


def first_fined(entries: Iterable[Entry]) -> dict[str, datetime]:
    """When each event was first fined (reversed or not): its place among same-day events."""
    first: dict[str, datetime] = {}
    for e in entries:
        if e.kind == "fine" and e.event and e.reverses is None:
            first[e.event] = min(first.get(e.event, e.at), e.at)
    return first


def carriers_of(entries: Iterable[Entry]) -> dict[str, int]:
    """Which case carries each event's standing fine."""
    return {e.event: e.complaint_id for e in standing(entries) if e.kind == "fine" and e.event}


def _why_changed(entry: Entry, fine: Fine | None) -> str:
    if fine is None:
        return f"no case of {shown(entry.event or '')} has a penalty finding any more"
    if fine.complaint_id != entry.complaint_id:
        return f"the fine of {shown(fine.event)} moves to #{fine.complaint_id}"
    if fine.offence != entry.offence:
        return f"offence renumbered {entry.offence} → {fine.offence}"
    return f"supply value or ladder changed: {entry.amount} → {fine.amount}"


def window_start(
    day: date, window_days: int, contract_start: date | None
) -> tuple[date, date | None]:
    """The first delivery day whose fined events count towards an offence on `day`:
    `window_days` back, or the start of the client's contract year when that is later
    (then also returned as the second value; None otherwise)."""
    start = day - timedelta(days=window_days)
    year = None if contract_start is None else contract_year(day, contract_start)
    return (year, year) if year is not None and year > start else (start, None)


def contract_year(day: date, contract_start: date) -> date:
    """The start of the contract year `day` lies in: the last anniversary of the contract
    start on or before it (a contract of 2024-02-29 has its years from 02-28)."""
    years = day.year - contract_start.year
    start = months_after(contract_start, 12 * years)
    return start if start <= day else months_after(contract_start, 12 * (years - 1))


def fine_reason(fine: Fine, window_days: int) -> str:
    earlier = ", ".join(shown(e) for e in fine.earlier) or "none"
    span = (
        f"since the contract year began {fine.contract_year}"
        if fine.contract_year is not None
        else f"in {window_days} days"
    )
    return (
        f"offence {fine.offence} of {shown(fine.event)} (earlier fined events {span}: "
        f"{earlier}) × {fine.multiplier}"
    )


def reconcile(
    entries: Iterable[Entry],
    target: Mapping[str, Fine],
    *,
    by: str,
    at: datetime,
    window_days: int,
    why: str,
) -> list[Entry]:
    """The fine entries to append so that the standing fines of a client's events are
    exactly `target`: a reversal for each standing fine that no longer matches, a new
    entry for each event without its matching fine. `why` (what happened) goes into
    every reason."""
    new: list[Entry] = []
    satisfied: set[str] = set()
    for entry in standing(e for e in entries if e.kind == "fine"):
        if entry.event is None:
            continue  # recorded before supply events (migration): left as it was
        fine = target.get(entry.event)
        matches = fine is not None and (
            fine.complaint_id,
            fine.offence,
            fine.multiplier,
            fine.amount,
        ) == (entry.complaint_id, entry.offence, entry.multiplier, entry.amount)
        if matches and entry.event not in satisfied:
            satisfied.add(entry.event)
            continue
        new.append(reversal(entry, f"{why}: {_why_changed(entry, fine)}", by, at))
    for event, fine in sorted(target.items(), key=lambda kv: (kv[1].day, kv[1].offence)):
        if event in satisfied:
            continue
        new.append(
            Entry(
                complaint_id=fine.complaint_id,
                kind="fine",
                amount=fine.amount,
                at=at,
                by=by,
                reason=f"{why}: {fine_reason(fine, window_days)}",
                event=event,
                offence=fine.offence,
                multiplier=fine.multiplier,
            )
        )
    return new


def settle_staff_fine(
    entries: Iterable[Entry],
    complaint_id: int,
    wanted: Decimal | None,
    staff: str | None,
    *,
    by: str,
    at: datetime,
    why: str,
) -> list[Entry]:
    """The staff-fine entries to append so that the case's standing staff fine is `wanted`
    (charged to `staff`)."""
    new: list[Entry] = []
    kept = False
    for entry in standing(e for e in entries if e.kind == "staff_fine"):
        if not kept and wanted is not None and (entry.amount, entry.staff) == (wanted, staff):
            kept = True
            continue
        new.append(reversal(entry, f"{why}: the staff fine no longer applies", by, at))
    if wanted is not None and not kept:
        new.append(
            Entry(
                complaint_id=complaint_id,
                kind="staff_fine",
                amount=wanted,
                at=at,
                by=by,
                reason=f"{why}: misconduct at the client's premises, charged to {staff}",
                staff=staff,
            )
        )
    return new
