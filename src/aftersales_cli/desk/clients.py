"""The use cases of the client registry (issue 13): add a client (or fill in one intake
registered on its own), give it another name, merge two — each one transaction with its
history entries, a refusal writing nothing — and what intake does with an `--org`: file
the complaint under the registered client's name, or register a new client with a warning
naming the near matches. Never blocking: the operator on the phone goes on."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from aftersales_cli.clock import local_zone
from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk
from aftersales_cli.rules import clients as rules
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.clients import Client
from aftersales_cli.rules.errors import Refused
from aftersales_cli.store import clients as store

if TYPE_CHECKING:
    from aftersales_cli.store.survey import ClientSurvey


class Added(NamedTuple):
    client: Client
    updated: bool  # True: intake had registered it; `client add` filled in its details


def _free(conn: sqlite3.Connection, field: str, name: str, mine: int | None = None) -> str:
    """The key of `name`, refused when any client (but `mine`) is known by it already."""
    key = rules.key(field, name)
    held = store.holder(conn, key)
    if held is not None:
        if held.client_id == mine:
            raise Refused(field, f"{name} is already a name of {held.name}")
        what = "an alias of" if held.as_alias else "the client"
        raise Refused(
            field,
            f"{name} is already {what} {held.name}; to make them one, use client merge",
        )
    return key


def add(desk: Desk, command: cmd.AddClient) -> Added:
    """A new client, or the details of one intake registered on its own (DECISIONS §13);
    any other name or alias already known is refused."""
    today = desk.now.astimezone(local_zone()).date()
    with desk.transaction() as conn:
        held = store.holder(conn, rules.key("name", command.name))
        updated = held is not None
        if held is None:
            client = rules.register(
                command.name, command.details, today=today, now=desk.now, registered_by="operator"
            )
            client_id = None
        elif held.as_alias:
            raise Refused("name", f"{command.name} is already an alias of {held.name}")
        else:
            before = store.get(conn, held.client_id)
            client, client_id = rules.fill(before, command.name, command.details), before.id
        keys = {rules.key("name", command.name)}
        for alias in command.aliases:
            key = _free(conn, "alias", alias, client_id)
            if key in keys:
                raise Refused("alias", f"{alias} is given twice (or is the name itself)")
            keys.add(key)
        if client_id is None:
            client_id = store.insert(
                conn, client, rules.changes(None, client), by=desk.operator, note=None
            )
        else:
            store.update(
                conn,
                client,
                rules.changes(before, client),
                at=desk.now,
                by=desk.operator,
                action="register",
                note="details filled in (intake had registered it)",
            )
        for alias in command.aliases:
            store.add_alias(
                conn, client_id, alias, rules.key("alias", alias), at=desk.now, by=desk.operator
            )
    return Added(store.get(desk.conn, client_id), updated)


def alias(desk: Desk, command: cmd.AliasClient) -> Client:
    with desk.transaction() as conn:
        client = store.named(conn, rules.key("name", command.name), "name")
        assert client.id is not None
        key = _free(conn, "alias", command.alias, client.id)
        store.add_alias(conn, client.id, command.alias, key, at=desk.now, by=desk.operator)
    return store.get(desk.conn, client.id)


class Merged(NamedTuple):
    client: Client
    moved: int  # complaints filed under the client from now on


def merge(desk: Desk, command: cmd.MergeClients) -> Merged:
    """`source` into `target` (DECISIONS §13): nothing is lost — its names become aliases,
    both histories say so — and its complaints are filed under the target, so that the
    penalty ladder, client repeats, clusters and reports count one client (issue 13):
    each complaint's org (and what derives from it) changes with an `edit` history entry
    naming the merge; the source's fines are reversed and the joined client's events
    numbered anew across both histories (DECISIONS §9). Set-based: a client may have tens
    of thousands of complaints. One transaction."""
    from aftersales_cli.desk.ledger import join_clients
    from aftersales_cli.store import complaints

    with desk.transaction() as conn:
        source = store.named(conn, rules.key("from", command.source), "from")
        target = store.named(conn, rules.key("into", command.target), "into")
        after = rules.merge(source, target)
        assert source.id is not None and target.id is not None
        old_keys = store.keys(conn, source.id)
        store.merge(
            conn, source, after, rules.changes(target, after), at=desk.now, by=desk.operator
        )
        why = f"client merge {source.name} into {target.name}"
        moved = _recount(desk, conn, old_keys, target, why)
        moved += complaints.refile(
            conn, old_keys, target.name, target.key, at=desk.now, by=desk.operator, note=why
        )
        join_clients(conn, old_keys, target.key, desk.rules, by=desk.operator, at=desk.now, why=why)
    return Merged(store.get(desk.conn, target.id), moved)


def _recount(
    desk: Desk, conn: sqlite3.Connection, old_keys: list[str], target: Client, why: str
) -> int:
    """The complaints of the source whose pending deadlines the target's terms count
    otherwise (its terms differ from the key's they were filed under): each refiled one by
    one as `edit --org` does — settled as of now, its deadlines counted again by the
    target's terms, its `edit` entry written. How many."""
    from aftersales_cli.desk.work import apply, settle_case
    from aftersales_cli.rules import lifecycle
    from aftersales_cli.store import complaints, events

    wanted = desk.rules.clients.get(target.key)
    differ = [k for k in old_keys if desk.rules.clients.get(k) != wanted]
    if not differ:
        return 0
    ids = complaints.pending_of(conn, differ)

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        assert case.id is not None
        logged = events.opened_at(conn, case.id)
        return lifecycle.edit(case, {"org": target.name}, logged, desk.now, desk.rules)

    for complaint_id in ids:
        settled = settle_case(desk, conn, complaints.get(conn, complaint_id))
        apply(desk, conn, settled, "edit", step, why)
    return len(ids)


def file_under(
    conn: sqlite3.Connection, org: str, received_at: datetime, now: datetime, by: str
) -> tuple[str, list[str]]:
    """Intake's `--org`, inside `log`'s transaction: the registered client's name when a
    name or alias matches (one lookup); else a new client, registered by intake, and a
    warning naming the near matches when there are any."""
    key = rules.key("org", org)
    found = store.resolve(conn, key)
    if found is not None:
        return found[1], []
    near = rules.near_matches(org, store.known(conn))
    client = rules.register(
        org,
        rules.Details(),
        today=received_at.astimezone(local_zone()).date(),
        now=now,
        registered_by="intake",
    )
    store.insert(conn, client, rules.changes(None, client), by=by, note="a new name at intake")
    if not near:
        return org, []
    return org, [
        f"{org} is a new client (registered); did you mean {' or '.join(near)}? "
        f"If so: aftersales client merge {_quoted(org)} {_quoted(near[0])}"
    ]


class OpenAtClient(NamedTuple):
    """The other open cases of the client a complaint was filed under: the newest few,
    and how many in all."""

    client: str
    cases: list[store.Brief]
    total: int


def open_at(conn: sqlite3.Connection, client: str, but: int, shown: int) -> OpenAtClient | None:
    """The open cases of the registered `client` other than complaint `but` (the one just
    logged); None when it has none. Two lookups of small indexes."""
    found = store.resolve(conn, rules.key("org", client))
    if found is None:
        return None
    briefs, total = store.open_cases(conn, store.keys(conn, found[0]), limit=shown + 1)
    others = [b for b in briefs if b.id != but]
    total -= len(briefs) - len(others)
    return OpenAtClient(found[1], others[-shown:], total) if total else None


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)


# ---- one client's profile (`client show`) -----------------------------------------------

LATEST = 10  # the last complaints shown


class Offence(NamedTuple):
    event: str
    complaint_id: int
    offence: int
    multiplier: Decimal
    amount: Decimal
    day: date


class Profile(NamedTuple):
    client: Client
    counts: store.Counts
    open_cases: list[store.Brief]  # all of them, or the newest `open_shown`
    open_total: int
    latest: list[store.Brief]
    offences: list[Offence]  # standing fines delivered in [today − window, today], by day
    next_multiplier: Decimal  # what the client's next offence would be fined at
    money: dict[tuple[str, str | None], int]  # net fen by (kind, payment kind)
    survey: ClientSurvey  # its satisfaction survey responses


def profile(
    desk: Desk, conn: sqlite3.Connection, name: str, *, open_shown: int | None = None
) -> Profile:
    """Everything `client show` prints, read on one snapshot."""
    from aftersales_cli.rules import ledger, penalties, supply
    from aftersales_cli.store import ledger as books
    from aftersales_cli.store import survey as surveys

    client = store.named(conn, rules.key("name", name), "name")
    assert client.id is not None
    keys = store.keys(conn, client.id)
    window = desk.rules.penalties.window_days
    today = desk.now.astimezone(local_zone()).date()
    terms = desk.rules.clients.get(client.key)
    since, _ = ledger.window_start(today, window, terms.contract_start if terms else None)
    fines = [
        e
        for key in keys
        for e in ledger.standing(books.of_client(conn, key))
        if e.kind == "fine" and e.event
    ]
    offences = sorted(
        (
            Offence(
                e.event or "",
                e.complaint_id,
                e.offence or 0,
                e.multiplier or Decimal(0),
                e.amount,
                supply.day_of(e.event or ""),
            )
            for e in fines
            if since <= supply.day_of(e.event or "") <= today
        ),
        key=lambda o: (o.day, o.complaint_id),
    )
    counts = store.counts(conn, keys)
    return Profile(
        client,
        counts,
        *store.open_cases(conn, keys, limit=open_shown),
        store.latest(conn, keys, LATEST, counts.by_category),
        offences,
        penalties.multiplier(len(offences) + 1, desk.rules),
        store.money(conn, keys),
        surveys.of_client(conn, client.id, desk.rules.survey.satisfied_min),
    )
