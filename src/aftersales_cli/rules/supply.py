"""Supply events: one delivery — the client, the local delivery day, and the batch (or,
without one, the product) — as the key that several complaints about it share (POLICY.md
§5, DECISIONS.md §9). Pure; light enough for every write to key its complaint."""

from __future__ import annotations

from datetime import date

from aftersales_cli.rules.fields import client_key

SEP = "\x1f"  # between the parts of an event key (never in a client's name or a batch)


def event_key(
    org: str | None, day: date | None, batch: str | None, product: str | None
) -> str | None:
    """The supply event of a case: client + local delivery day + batch (else product),
    compared after NFKC, casefold and trim. None when a part is missing."""
    client = client_key(org)
    item = next((v.strip() for v in (batch, product) if v and v.strip()), None)
    if client is None or day is None or item is None:
        return None
    what = "batch" if batch and batch.strip() else "product"
    return SEP.join((client, day.isoformat(), what, item.casefold()))


def client_of(event: str) -> str:
    return event.split(SEP, 1)[0]


def client_range(client: str) -> tuple[str, str]:
    """[low, high) of the event keys of one client, for an indexed range query."""
    return client + SEP, client + chr(ord(SEP) + 1)


def shown(event: str) -> str:
    """`school no. 1 · 2026-11-20 · batch b-1123` — an event key for people."""
    parts = event.split(SEP)
    if len(parts) != 4:
        return event.replace(SEP, " · ")
    client, day, what, item = parts
    return f"{client} · {day} · {what} {item}"


def day_of(event: str) -> date:
    return date.fromisoformat(event.split(SEP)[1])
