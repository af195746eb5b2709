"""The period's money, rolled up from the ledger's cells (`queries.ledger_cells`): per
client, per kind of payment, per staff member, the summary of the whole ledger, and the
penalties charged in the monthly review. Pure; amounts in fen.

Every figure is a sum of ledger entries — reversals included, so each is net as of the
report; a fine counts as an offence while it stands (neither a reversal nor reversed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Cell = Mapping[str, Any]
PENALTY_KINDS = ("fine", "staff_fine")


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def by_org(cells: Iterable[Cell], suggested: Iterable[Cell]) -> list[dict[str, Any]]:
    """Per client: offences standing (and their multipliers), fines, staff fines and
    payments; beside them the statutory compensation suggested and the incidents. Clients
    with nothing to show are left out; the most fined first."""
    found: dict[str, dict[str, Any]] = {}

    def item(org: str) -> dict[str, Any]:
        return found.setdefault(
            org,
            {
                "org": org,
                "offences": 0,
                "multipliers": [],
                "penalties_fen": 0,
                "staff_fines_fen": 0,
                "compensation_fen": 0,
                "statutory_fen": 0,
                "incidents": 0,
                "statutory_cases": 0,
            },
        )

    column = {
        "fine": "penalties_fen",
        "staff_fine": "staff_fines_fen",
        "payment": "compensation_fen",
    }
    for cell in cells:
        entry = item(cell["org"])
        entry[column[cell["kind"]]] += cell["net_fen"]
        if cell["standing_multiplier"] is not None:
            entry["offences"] += cell["entries"]
            entry["multipliers"] += [_number(cell["standing_multiplier"])] * cell["entries"]
    for row in suggested:
        item(row["org"]).update(
            statutory_fen=row["statutory_fen"],
            incidents=row["incidents"],
            statutory_cases=row["statutory_cases"],
        )
    shown = (
        "penalties_fen",
        "staff_fines_fen",
        "compensation_fen",
        "statutory_fen",
        "incidents",
        "offences",
    )
    rows = [e for e in found.values() if any(e[k] for k in shown)]
    for e in rows:
        e["multipliers"].sort()
    rows.sort(
        key=lambda e: (
            -(e["penalties_fen"] + e["staff_fines_fen"]),
            -e["compensation_fen"],
            e["org"],
        )
    )
    return rows


def paid_by_kind(cells: Iterable[Cell]) -> dict[str, int]:
    """What was paid to customers, by kind, net of reversals; the largest first."""
    paid: dict[str, int] = {}
    for cell in cells:
        if cell["kind"] == "payment":
            kind = cell["payment_kind"]
            paid[kind] = paid.get(kind, 0) + cell["net_fen"]
    return dict(sorted(((k, v) for k, v in paid.items() if v), key=lambda kv: (-kv[1], kv[0])))


def summary(cells: Iterable[Cell]) -> list[dict[str, Any]]:
    """Entries, reversals and the net sum per kind and payment kind: what the whole
    listing (ledger.csv) adds up to."""
    rows: dict[tuple[str, str | None], dict[str, Any]] = {}
    for cell in cells:
        key = (cell["kind"], cell["payment_kind"])
        row = rows.setdefault(
            key,
            {"kind": key[0], "payment_kind": key[1], "entries": 0, "reversals": 0, "net_fen": 0},
        )
        row["entries"] += cell["entries"]
        row["reversals"] += cell["entries"] if cell["reversal"] else 0
        row["net_fen"] += cell["net_fen"]
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] or ""))]


def staff_fines(cells: Iterable[Cell]) -> list[dict[str, Any]]:
    """Per staff member: fines standing and their net amount; the largest first."""
    found: dict[str, dict[str, Any]] = {}
    for cell in cells:
        if cell["kind"] != "staff_fine":
            continue
        row = found.setdefault(cell["staff"], {"staff": cell["staff"], "fines": 0, "amount_fen": 0})
        row["fines"] += -cell["entries"] if cell["reversal"] else cell["entries"]
        row["amount_fen"] += cell["net_fen"]
    rows = [r for r in found.values() if r["amount_fen"]]
    return sorted(rows, key=lambda r: (-r["amount_fen"], r["staff"] or ""))


def penalties_by_review_key(cells: Iterable[Cell]) -> dict[tuple[Any, ...], int]:
    """Fines and staff fines per cause, handling department and person (the review's
    cells)."""
    found: dict[tuple[Any, ...], int] = {}
    for cell in cells:
        if cell["kind"] in PENALTY_KINDS:
            key = (cell["cause"], cell["department"], cell["assignee"])
            found[key] = found.get(key, 0) + cell["net_fen"]
    return found
