"""The client registry (issue 13): how two spellings of a client's name are matched, what
a near miss is, and what registering, filling in, naming and merging a client may do.
Pure: values in, values (and the history's changes) out, or a refusal naming the field.

A client is known by its name and its aliases; every one of them is a *key* (Unicode NFKC,
casefolded, trimmed — DECISIONS §13) held by exactly one client, so resolving what an
operator typed is one lookup. A merged client keeps its row (nothing is deleted) and
points at the client it was merged into; its names are that client's aliases from then on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from aftersales_cli.rules import fields
from aftersales_cli.rules.errors import Refused, RuleError

NEAR = 0.8  # a near miss: difflib's ratio of the two keys at least this (DECISIONS §13)
NEAR_SHOWN = 3  # near matches named in a suggestion


def key(field: str, name: str) -> str:
    """The key a name is matched by: NFKC (full-width and half-width alike), casefolded,
    trimmed, inner runs of spaces made one (as complaints' `org_key` has always been)."""
    found = fields.client_key(name)
    if found is None:
        raise RuleError(field, "must not be empty")
    return found


class Details(NamedTuple):
    """What `client add` says of a client besides its name; None: not said."""

    kind: str | None = None
    since: date | None = None
    key_account: bool = False
    contact: str | None = None
    phone: str | None = None


class Client(NamedTuple):
    id: int | None
    name: str
    key: str
    kind: str | None  # school, office, canteen, other; None until someone says
    since: date | None  # a client since (the first complaint, for one intake registered)
    key_account: bool
    contact: str | None
    phone: str | None
    registered_by: str  # operator (`client add`) or intake (a new name at `log`)
    created_at: datetime
    merged_into: int | None = None
    aliases: tuple[str, ...] = ()


# The fields a history entry of a client may name (old → new).
FIELDS = ("name", "kind", "since", "key_account", "contact", "phone", "registered_by")


def changes(before: Client | None, after: Client) -> dict[str, list[Any]]:
    """What a history entry records: each field that changed, old → new (JSON values)."""
    found: dict[str, list[Any]] = {}
    for name in FIELDS:
        old = getattr(before, name) if before is not None else None
        new = getattr(after, name)
        if old != new and not (before is None and new in (None, False)):
            found[name] = [_json(old), _json(new)]
    return found


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def register(
    name: str, details: Details, *, today: date, now: datetime, registered_by: str
) -> Client:
    """A new client; a client since today unless the details say when."""
    return Client(
        None,
        name,
        key("name", name),
        details.kind,
        details.since or today,
        details.key_account,
        details.contact,
        details.phone,
        registered_by,
        now,
    )


def fill(existing: Client, name: str, details: Details) -> Client:
    """`client add` of a name intake registered on its own: the operator's spelling and
    details (what the details leave unsaid stays as it was); any other client is refused."""
    if existing.registered_by != "intake":
        raise Refused("name", f"{existing.name} is already a registered client")
    return existing._replace(
        name=name,
        kind=details.kind or existing.kind,
        since=details.since or existing.since,
        key_account=details.key_account or existing.key_account,
        contact=details.contact or existing.contact,
        phone=details.phone or existing.phone,
        registered_by="operator",
    )


def merge(source: Client, target: Client) -> Client:
    """`target` after `source` is merged into it: a client since the earlier of the two,
    a key account if either was, and what it leaves unsaid taken from `source`. (Their
    names become its aliases: the caller moves them.)"""
    if source.id == target.id:
        raise Refused("into", f"{source.name} and {target.name} are the same client")
    since = min((d for d in (source.since, target.since) if d is not None), default=None)
    return target._replace(
        kind=target.kind or source.kind,
        since=since,
        key_account=target.key_account or source.key_account,
        contact=target.contact or source.contact,
        phone=target.phone or source.phone,
    )


def near_matches(name: str, known: Iterable[tuple[str, str]]) -> list[str]:
    """The clients whose name or alias is a near miss of `name` (DECISIONS §13: difflib's
    ratio of the keys ≥ 0.8), closest first; `known` is (key, the client's name) for every
    name and alias. An exact match is not a near miss: the caller resolved it already."""
    from difflib import SequenceMatcher  # only when a name is new

    wanted = key("org", name)
    matcher = SequenceMatcher(b=wanted, autojunk=False)  # (b is the one it indexes)
    best: dict[str, float] = {}
    for other, client in known:
        if other == wanted:
            continue
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() < NEAR or matcher.quick_ratio() < NEAR:
            continue
        ratio = matcher.ratio()
        if ratio >= NEAR and ratio > best.get(client, 0.0):
            best[client] = ratio
    return sorted(best, key=lambda c: (-best[c], c))[:NEAR_SHOWN]
