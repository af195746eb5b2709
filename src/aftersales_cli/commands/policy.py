"""`aftersales rules`: the policy in force — the defaults with a rules file's overrides."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import JsonOption, RulesOption, session
from aftersales_cli.errors import BadInput
from aftersales_cli.render import holds_unicode, output
from aftersales_cli.render.blocks import Block, Fields, Line, Table
from aftersales_cli.render.cells import width
from aftersales_cli.rules.config import ClientTerms, Duration, Rules
from aftersales_cli.rules.taxonomy import (
    DEPARTMENTS,
    INTAKE_MILESTONES,
    MILESTONE_KEYS,
    SEVERITIES,
)


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def policy_view(rules: Rules, source: str) -> list[Block]:
    deadlines = Table(
        ["severity", *INTAKE_MILESTONES],
        [
            [
                SEVERITIES.label(severity),
                *(_clock(rules, severity, m, row[m]) for m in INTAKE_MILESTONES),
            ]
            for severity, row in rules.deadlines.by_severity.items()
        ],
        title=f"Deadlines from receipt, * in business time (revisit "
        f"{rules.deadlines.revisit_after_close} after close; done --at more than "
        f"{rules.deadlines.backdate_needs_reason} back needs --reason)",
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
    t, pen, d = rules.targets, rules.penalties, rules.deadlines
    numbers = Fields(
        [
            (
                "QC (004 §3.2)",
                f"sample {d.sample or 'off'}, lab_report {d.lab_report or 'off'} from receipt, "
                f"on {_list(sorted(d.qc_categories))}",
            ),
            (
                "confirm (§3.3)",
                f"{d.confirm} after investigation is done (or the close, without one)"
                if d.confirm
                else "off",
            ),
            (
                "penalty ladder",
                f"× {_list(rules.penalties.ladder)} of the supply value, by "
                f"offence per client in {rules.penalties.window_days} days",
            ),
            ("penalised findings", _list(sorted(rules.penalties.findings))),
            ("incident findings", _list(sorted(rules.penalties.incident_findings))),
            (
                "staff fine",
                f"¥{pen.staff_fine} ({_list(sorted(pen.staff_fine_categories))})",
            ),
            (
                "statutory",
                f"max({rules.statutory.price_multiple} × price, "
                f"{rules.statutory.loss_multiple} × loss, ¥{rules.statutory.minimum})",
            ),
            ("not ours", _list(sorted(rules.causes.not_ours))),
            ("business time", _business_time(rules)),
            ("working hours", _working_hours(rules)),
            ("calendar dates", _calendar_dates(rules)),
            ("repeat window", f"{rules.intake.repeat_window_days} days"),
            ("batch window", f"{rules.intake.batch_window_hours} h"),
            ("client clusters", f"{_list(sorted(rules.intake.cluster_categories))}, one local day"),
            ("retained sample", f"{rules.intake.sample_retention_hours} h"),
            ("attachments", f"at most {rules.attachments.max_bytes // (1024 * 1024)} MiB each"),
            (
                "satisfied",
                f"{rules.revisit.satisfied_min}-5; {rules.revisit.reopen_max} or less reopens",
            ),
            *((f"client {terms.name}", _client_terms(terms)) for terms in rules.clients.values()),
            (
                "survey aspects",
                ", ".join(rules.survey.aspects.label(k) for k in rules.survey.aspects),
            ),
            (
                "survey",
                f"satisfied at a mean ≥ {rules.survey.satisfied_min}; an aspect is low below "
                f"a mean of {rules.survey.low_mean} or {rules.survey.low_share:.0%} satisfied; "
                f"long-term clients after {rules.survey.long_term_months} months",
            ),
            (
                "targets",
                f"responded in {t.responded_within_hours} h ≥ {t.responded_24h_rate}, "
                f"resolved ≥ {t.resolution_rate}, satisfied ≥ {t.satisfaction_rate}, "
                f"handling ≤ {t.avg_handling_hours} h, repeat ≤ {t.repeat_rate}, "
                f"on time ≥ {_target(t.on_time_rate)}, "
                f"survey satisfied ≥ {_target(t.survey_satisfaction_rate)}",
            ),
        ],
        title="Penalties, windows and targets",
    )
    return [Line(f"Rules in force: {source}", "dim"), deadlines, categories, numbers]


def _clock(rules: Rules, severity: str, milestone: str, duration: Duration | None) -> str:
    """`1h*` in business time, `30m` on the 24/7 clock, `—` switched off."""
    if duration is None:
        return "—"
    return f"{duration}{'*' if rules.deadlines.business(severity, milestone) else ''}"


def _business_time(rules: Rules) -> str:
    """Which clocks count working time only, per severity."""
    parts = []
    for severity in SEVERITIES:
        listed = [m for m in MILESTONE_KEYS if rules.deadlines.business(severity, m)]
        parts.append(f"{severity}: {', '.join(listed) if listed else 'none (24/7)'}")
    return (
        "; ".join(parts) + "; the others run 24/7, and so does the KPI 'responded within "
        f"{rules.targets.responded_within_hours} h'. Days (d) in business time are the same "
        f"time on the Nth working day. A paused case is listed by overdue after "
        f"{rules.deadlines.pause_limit} of working time"
    )


def _working_hours(rules: Rules) -> str:
    from aftersales_cli.render.calendar_view import week_text

    return f"{week_text(rules.calendar.week)} (local time)"


def _calendar_dates(rules: Rules) -> str:
    """`2 holidays and 1 workday of the rules file's own, over the official calendar`."""
    holidays, workdays = len(rules.calendar.holidays), len(rules.calendar.workdays)
    return (
        f"{holidays} {'holiday' if holidays == 1 else 'holidays'} and {workdays} "
        f"{'workday' if workdays == 1 else 'workdays'} of the rules file's own, over "
        "China's official holidays and make-up workdays (aftersales calendar)"
    )


def _client_terms(terms: ClientTerms) -> str:
    """`contract from 2025-09-01; urgent: contact 15m; general: contact 30m, plan 2h`."""
    parts = [f"contract from {terms.contract_start}"] if terms.contract_start else []
    parts += [
        f"{severity}: " + ", ".join(f"{m} {d}" for m, d in row.items())
        for severity, row in terms.deadlines.items()
    ]
    return "; ".join(parts) or "no terms"


def _target(value: float | None) -> str:
    return "—" if value is None else str(value)


_TOML_WIDTH = 100
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def effective_toml(rules: Rules, *, ascii_only: bool = False) -> str:
    """The effective rules written as a rules file that, given back with --rules, gives
    the same `Rules`. A table of tables is written as headers, a table that also holds
    values keeps its order with inline tables (as `[deadlines]` does); a value left
    unset (TOML has no null) becomes a comment. `ascii_only` escapes other characters."""
    lines = [
        "# The rules in force: the defaults with the overrides of the rules file, if any.",
        "# Given back with --rules FILE, this file gives the same rules.",
    ]
    _toml_table(lines, (), rules.effective, ascii_only)
    return "\n".join(lines) + "\n"


def _toml_table(
    lines: list[str], path: tuple[str, ...], table: Mapping[str, Any], ascii_only: bool
) -> None:
    if table and all(isinstance(v, Mapping) for v in table.values()):
        for key, value in table.items():
            _toml_table(lines, (*path, key), value, ascii_only)
        return
    lines += ["", "[" + ".".join(_toml_key(k, ascii_only) for k in path) + "]"]
    for key, value in table.items():
        name = _toml_key(key, ascii_only)
        if value is None:
            lines.append(f"# {name}: unset")
        elif isinstance(value, list) and value:
            lines += _toml_list(f"{name} = ", [_toml_value(v, ascii_only) for v in value])
        else:
            lines.append(f"{name} = {_toml_value(value, ascii_only)}")


def _toml_list(start: str, items: list[str]) -> list[str]:
    """A list on one line if it fits, else items filled into indented lines."""
    one_line = f"{start}[{', '.join(items)}]"
    if width(one_line) <= _TOML_WIDTH:
        return [one_line]
    lines, line = [start + "["], "   "
    for item in items:
        if width(line) + width(item) + 2 > _TOML_WIDTH:
            lines.append(line)
            line = "   "
        line += f" {item},"
    return [*lines, line, "]"]


def _toml_value(value: Any, ascii_only: bool) -> str:
    if isinstance(value, str):
        return _toml_string(value, ascii_only)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):  # a client's contract start (TOML's local date)
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v, ascii_only) for v in value) + "]"
    if isinstance(value, Mapping):
        pairs = (
            f"{_toml_key(k, ascii_only)} = {_toml_value(v, ascii_only)}" for k, v in value.items()
        )
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    raise TypeError(f"no TOML for {value!r}")  # pragma: no cover - a Rules holds no other


def _toml_key(key: str, ascii_only: bool) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key, ascii_only)


def _toml_string(text: str, ascii_only: bool) -> str:
    """A TOML basic string: quote, backslash and control characters escaped, and every
    non-ASCII one too when `ascii_only`."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F or (ascii_only and code > 0x7E):
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _warn_unofficial(year: int, rules: Rules) -> None:
    """The current year without official holidays: said on stderr, never guessed."""
    from aftersales_cli.render.calendar_view import unofficial_warning
    from aftersales_cli.rules import business

    if not rules.calendar.work_calendar().has_official(year):
        output.warn(unofficial_warning(year, business.china_years()))


TomlOption = Annotated[
    bool, typer.Option("--toml", help="Print the rules in force as a rules file (TOML).")
]


def rules_command(
    ctx: typer.Context,
    json_: JsonOption = False,
    toml: TomlOption = False,
    rules: RulesOption = None,
) -> None:
    """Example: aftersales rules --rules examples/rules.toml --toml > company.toml"""
    if json_ and toml:
        raise BadInput("--toml", "give --json or --toml, not both")
    with session(ctx, rules=rules) as s:
        effective = s.rules
        today = s.now.astimezone(clock.local_zone()).date()
        _warn_unofficial(today.year, effective)
        if today.month == 12:  # December's deadlines fall into the next year
            _warn_unofficial(today.year + 1, effective)
        if json_:
            output.print_json(effective.effective)
            return
        if toml:
            sys.stdout.write(effective_toml(effective, ascii_only=not holds_unicode(sys.stdout)))
            return
        source = s.rules_source or "the defaults of POLICY.md"
        output.show(policy_view(effective, source))
