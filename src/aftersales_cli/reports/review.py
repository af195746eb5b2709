"""The monthly responsibility review (001 §五), rolled up from the figures of each cause,
handling department and person (`queries.review_cells`). Pure.

Responsibility follows the cause: each complaint is charged to the department the rules
map its cause to, and the department that handled it is named beside; a cause the map
does not name (or no cause yet) stays with the handling department. `--by-handler` views
the same figures by the handling department; the people view by person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.penalties import responsible_department

FIGURES = ("complaints", "closed", "ours", "breaches", "penalties_fen")
UNASSIGNED = "unassigned"

Cell = Mapping[str, Any]


def with_penalties(
    cells: Iterable[Cell], penalties: Mapping[tuple[Any, ...], int]
) -> list[dict[str, Any]]:
    """The cells with the fines and staff fines of each (cause, department, person)."""
    return [
        {**c, "penalties_fen": penalties.get((c["cause"], c["department"], c["assignee"]), 0)}
        for c in cells
    ]


def _roll_up(cells: Iterable[Cell], key: Callable[[Cell], dict[str, str]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for cell in cells:
        named = key(cell)
        item = groups.setdefault(tuple(named.values()), {**named, **dict.fromkeys(FIGURES, 0)})
        for figure in FIGURES:
            item[figure] += cell[figure]
    return sorted(
        groups.values(),
        key=lambda i: (
            -i["complaints"],
            i.get("assignee", i["department"]),
            i.get("handled_by", ""),
        ),
    )


def _name(value: str | None) -> str:
    return value or UNASSIGNED


def by_cause(cells: Iterable[Cell], rules: Rules) -> list[dict[str, Any]]:
    """Charged to the department of the cause, with the handling department beside it."""
    return _roll_up(
        cells,
        lambda c: {
            "department": _name(responsible_department(c["cause"], c["department"], rules)),
            "handled_by": _name(c["department"]),
        },
    )


def by_handler(cells: Iterable[Cell]) -> list[dict[str, Any]]:
    """By the department that handled each complaint (`report --by-handler`)."""
    return _roll_up(cells, lambda c: {"department": _name(c["department"])})


def by_person(cells: Iterable[Cell]) -> list[dict[str, Any]]:
    """By the person handling each complaint, with their department."""
    return _roll_up(
        cells,
        lambda c: {"assignee": _name(c["assignee"]), "department": _name(c["department"])},
    )


def department_counts(cells: Iterable[Cell]) -> dict[str, int]:
    """Complaints per handling department, the largest first (the distribution)."""
    counts: dict[str, int] = {}
    for cell in cells:
        name = _name(cell["department"])
        counts[name] = counts.get(name, 0) + cell["complaints"]
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
