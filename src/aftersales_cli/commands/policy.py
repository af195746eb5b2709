"""`aftersales rules`: the policy in force — the defaults with a rules file's overrides."""

from __future__ import annotations

from typing import Any

import typer

from aftersales_cli.commands.context import JsonOption, RulesOption, session
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Block, Fields, Line, Table
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.taxonomy import DEPARTMENTS, INTAKE_MILESTONES, SEVERITIES


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def policy_view(rules: Rules, source: str) -> list[Block]:
    deadlines = Table(
        ["severity", *INTAKE_MILESTONES],
        [
            [
                SEVERITIES.label(severity),
                *(str(row[m]) if row[m] else "—" for m in INTAKE_MILESTONES),
            ]
            for severity, row in rules.deadlines.items()
        ],
        title=f"Deadlines from receipt (revisit {rules.revisit_after_close} after close; "
        f"done --at more than {rules.backdate_needs_reason} back needs --reason)",
    )
    categories = Table(
        ["category", "severity", "department", "keywords"],
        [
            [
                rules.category_terms.label(key),
                c.severity,
                DEPARTMENTS.label(c.department),
                _list(c.keywords[:6]) + (" …" if len(c.keywords) > 6 else ""),
            ]
            for key, c in rules.categories.items()
        ],
        title="Categories (in order of precedence for the suggestion)",
    )
    t = rules.targets
    numbers = Fields(
        [
            (
                "penalty ladder",
                f"× {_list(rules.penalty_ladder)} of the supply value, by "
                f"offence per client in {rules.penalty_window_days} days",
            ),
            ("penalised findings", _list(sorted(rules.penalty_findings))),
            ("incident findings", _list(sorted(rules.incident_findings))),
            ("staff fine", f"¥{rules.staff_fine} ({_list(sorted(rules.staff_fine_categories))})"),
            (
                "statutory",
                f"max({rules.statutory_price_multiple} × price, "
                f"{rules.statutory_loss_multiple} × loss, ¥{rules.statutory_minimum})",
            ),
            ("not ours", _list(sorted(rules.not_ours_causes))),
            ("repeat window", f"{rules.repeat_window_days} days"),
            ("batch window", f"{rules.batch_window_hours} h"),
            ("client clusters", f"{_list(sorted(rules.cluster_categories))}, one local day"),
            ("retained sample", f"{rules.sample_retention_hours} h"),
            ("satisfied", f"{rules.satisfied_min}-5; {rules.reopen_max} or less reopens"),
            (
                "targets",
                f"responded in {t.responded_within_hours} h ≥ {t.responded_24h_rate}, "
                f"resolved ≥ {t.resolution_rate}, satisfied ≥ {t.satisfaction_rate}, "
                f"handling ≤ {t.avg_handling_hours} h, repeat ≤ {t.repeat_rate}, "
                f"on time ≥ {t.on_time_rate if t.on_time_rate is not None else '—'}",
            ),
        ],
        title="Penalties, windows and targets",
    )
    return [Line(f"Rules in force: {source}", "dim"), deadlines, categories, numbers]


def rules_command(ctx: typer.Context, json_: JsonOption = False, rules: RulesOption = None) -> None:
    """Show the policy in force: deadlines, categories, penalties, targets.

    Example: aftersales rules --rules examples/rules.toml
    """
    with session(ctx, rules=rules) as s:
        effective = s.rules
        if json_:
            output.print_json(effective.effective)
            return
        source = s.rules_source or "the defaults of POLICY.md"
        output.show(policy_view(effective, source))
