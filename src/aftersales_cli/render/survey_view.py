"""The survey's views for people: the plan of whom to ask and a quarter's figures, as
blocks (`render.output` shows them as Rich tables on a terminal, plain text elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aftersales_cli.render.blocks import Block, Cell, Fields, Heading, Line, Table, bar, client
from aftersales_cli.rules.survey import Figures, PlanRow

REASONS = {
    "long_term": "long-term 长期客户",
    "new": "new 新客户",
    "customer": "complained 投诉客户",
}
SHORT_REASONS = {"long_term": "长期客户", "new": "新客户", "customer": "投诉客户"}


def plan_blocks(
    quarter: str, rows: Sequence[PlanRow], phone: Callable[[str | None], str | None]
) -> list[Block]:
    if not rows:
        return [Line(f"Nobody to ask in {quarter}: no clients registered, no complaint closed.")]
    counts = {r: sum(1 for row in rows if row.reason == r) for r in REASONS}
    return [
        Heading(f"Survey plan {quarter}: {len(rows):,} to ask"),
        Line(", ".join(f"{counts[r]:,} {label}" for r, label in REASONS.items())),
        Table(
            ["#", "reason", "client", "ask", "phone", "since / case"],
            [
                [
                    str(i),
                    Cell(REASONS[r.reason], short=SHORT_REASONS[r.reason]),
                    client(r.client),
                    r.name or "",
                    phone(r.phone) or "",
                    r.detail,
                ]
                for i, r in enumerate(rows, start=1)
            ],
            right=frozenset({0}),
            keep=frozenset({0, 4, 5}),
        ),
    ]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def figures_blocks(f: Figures) -> list[Block]:
    met = {True: Cell("met", "met"), False: Cell("MISSED", "breached"), None: Cell("—")}[f.met]
    change = "—" if f.change is None else f"{f.change * 100:+.1f} pts"
    blocks: list[Block] = [
        Heading(f"Satisfaction survey {f.quarter}"),
        Fields(
            [
                ("responses", f"{f.responses:,}"),
                (
                    "response rate",
                    f"{_percent(f.response_rate)} ({f.answered:,} of {f.planned:,} planned)",
                ),
                (
                    "satisfied",
                    f"{_percent(f.satisfaction_rate)} (target "
                    f"{_percent(f.target)}), vs previous quarter {_percent(f.previous_rate)} "
                    f"({change})",
                ),
                ("target", met),
            ]
        ),
    ]
    if not f.responses:
        blocks.append(Line("No responses in this quarter.", "dim"))
        return blocks
    blocks.append(
        Table(
            ["aspect", "mean", "4-5", "n", ""],
            [
                [
                    f"{a.key} {a.label}",
                    _mean(a.mean),
                    _percent(a.satisfied_share),
                    f"{a.n:,}",
                    Cell(bar(a.mean or 0, 5), "pending"),
                ]
                for a in f.aspects
            ],
            title="Scores by aspect (1-5)",
            right=frozenset({1, 2, 3}),
            keep=frozenset({1, 2, 3, 4}),
        )
    )
    blocks.append(
        Table(
            ["client", "responses", "mean", "satisfied"],
            [
                [c.client, f"{c.responses:,}", _mean(c.mean), _percent(c.satisfaction_rate)]
                for c in f.clients
            ],
            title="By client",
            right=frozenset({1, 2, 3}),
            keep=frozenset({1, 2, 3}),
        )
    )
    if not f.low_aspects:
        blocks.append(Line("No aspect below the line: none needs an improvement measure.", "met"))
        return blocks
    blocks.append(Heading("Needs an improvement measure 需改进"))
    for a in f.low_aspects:
        blocks.append(
            Line(
                f"{a.key} {a.label}: mean {_mean(a.mean)}, {_percent(a.satisfied_share)} satisfied",
                "breached",
            )
        )
        blocks.extend(Line(f"  “{c}”") for c in a.comments)
        if a.actions:
            ids = ", ".join(str(i) for i in a.actions)
            blocks.append(Line(f"  corrective action{'s' * (len(a.actions) > 1)} {ids}", "ok"))
        else:
            blocks.append(
                Line(
                    f"  no corrective action yet: open one with action add --survey-aspect {a.key}",
                    "dim",
                )
            )
    return blocks
