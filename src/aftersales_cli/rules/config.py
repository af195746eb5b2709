"""Every policy number and table, once: the defaults of POLICY.md and their TOML overrides.

Pure: `parse_rules` takes the text of a rules file (the shell reads it) and returns a
validated, frozen `Rules`. The defaults ship as data, `defaults.toml` beside this module,
and are read by the same code; a rules file has their shape and overrides any value or
table entry in them; `aftersales rules --toml` writes the result back as a rules file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from aftersales_cli.rules import fields
from aftersales_cli.rules.errors import RuleError, RulesFileError
from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CAUSES,
    CHAIN_MILESTONES,
    DEPARTMENTS,
    FINDINGS,
    INTAKE_MILESTONES,
    MILESTONES,
    SEVERITIES,
    SEVERITY_RANK,
    Term,
    Vocabulary,
)

if TYPE_CHECKING:
    from aftersales_cli.rules.business import WorkCalendar

_DURATION = r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$"

# What a rules file may ask for at most: anything beyond is a typing error, and keeps
# date arithmetic far from the ends of the calendar.
MAX_DURATION_DAYS = 365  # any deadline
MAX_WINDOW_DAYS = 3650  # windows looked back over (10 years)
MAX_WINDOW_HOURS = MAX_WINDOW_DAYS * 24
MAX_MULTIPLE = 1000  # penalty and compensation multiples
MAX_ATTACHMENT_MIB = 256  # one attachment is held in memory whole when stored


class Duration(NamedTuple):
    """A deadline offset: clock minutes, or calendar days on the local clock."""

    minutes: int = 0
    days: int = 0

    @property
    def approx_minutes(self) -> int:
        return self.minutes + self.days * 24 * 60

    def __str__(self) -> str:
        if self.days:
            return f"{self.days}d"
        if self.minutes % 60 == 0:
            return f"{self.minutes // 60}h"
        return f"{self.minutes}m"


def parse_duration(text: str, key: str) -> Duration:
    match = re.match(_DURATION, text)
    if not match:
        raise RulesFileError(f"{key}: expected a duration like '30m', '2h' or '3d', got {text!r}")
    amount, unit = Decimal(match.group(1)), match.group(2)
    limit = {"d": 1, "h": 24, "m": 24 * 60, "min": 24 * 60}[unit] * MAX_DURATION_DAYS
    if amount > limit:
        raise RulesFileError(f"{key}: at most {MAX_DURATION_DAYS} days, got {text!r}")
    if unit == "d":
        if amount != amount.to_integral_value():
            raise RulesFileError(f"{key}: days must be whole, got {text!r}; use hours instead")
        return Duration(days=int(amount))
    minutes = amount * 60 if unit == "h" else amount
    if minutes != minutes.to_integral_value() or minutes <= 0:
        raise RulesFileError(f"{key}: must be a positive whole number of minutes, got {text!r}")
    return Duration(minutes=int(minutes))


class CategoryRule(NamedTuple):
    key: str
    severity: str
    department: str
    keywords: tuple[str, ...]


class Targets(NamedTuple):
    responded_within_hours: int
    responded_24h_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    avg_handling_hours: float | None
    repeat_rate: float | None
    on_time_rate: float | None
    survey_satisfaction_rate: float | None = None


class DeadlineRules(NamedTuple):
    """`[deadlines]`: each level's milestones, and the milestones every case shares. A
    milestone that is None is switched off (it does not apply)."""

    by_severity: Mapping[str, Mapping[str, Duration | None]]
    revisit_after_close: Duration
    backdate_needs_reason: Duration
    sample: Duration | None
    lab_report: Duration | None
    qc_categories: frozenset[str]
    confirm: Duration | None
    business_time: Mapping[str, frozenset[str]]  # severity → milestones in business time
    pause_limit: Duration

    def business(self, severity: str, milestone: str) -> bool:
        """Whether this milestone's clock counts working time only at this severity."""
        return milestone in self.business_time.get(severity, frozenset())


class SeverityRules(NamedTuple):
    """`[severity]`: what makes triage suggest a more severe level."""

    illness_words: tuple[str, ...]
    urgent_when_people_over: int
    escalate_when_overdue: frozenset[str]


class CauseRules(NamedTuple):
    """`[causes]`: causes that are not the company's fault, or not yet known."""

    not_ours: frozenset[str]
    undetermined: frozenset[str]


class PenaltyRules(NamedTuple):
    """`[penalties]`: the contract's ladder and the staff fine."""

    ladder: tuple[Decimal, ...]
    window_days: int
    findings: frozenset[str]
    incident_findings: frozenset[str]
    staff_fine: Decimal
    staff_fine_categories: frozenset[str]


class ResponsibilityRules(NamedTuple):
    """`[responsibility]`: cause → department charged; a cause not in it is charged to
    the department that handled the case."""

    causes: Mapping[str, str]


class StatutoryRules(NamedTuple):
    """`[statutory]`: the Food Safety Law's compensation."""

    price_multiple: Decimal
    loss_multiple: Decimal
    minimum: Decimal
    categories: frozenset[str]
    findings: frozenset[str]


class IntakeRules(NamedTuple):
    """`[intake]`: the windows the warnings at intake look back over."""

    repeat_window_days: int
    batch_window_hours: int
    sample_retention_hours: int
    sample_categories: frozenset[str]
    cluster_categories: frozenset[str]


class RevisitRules(NamedTuple):
    """`[revisit]`: the scores that satisfy, and those that reopen."""

    satisfied_min: int
    reopen_max: int


class AttachmentRules(NamedTuple):
    """`[attachments]`: how large a file `attach` stores (and `import` restores)."""

    max_bytes: int


class ClientTerms(NamedTuple):
    """`[clients."NAME"]`: one client's terms — stricter deadlines (by severity, by
    milestone) and the contract start that opens its penalty window each year."""

    name: str
    deadlines: Mapping[str, Mapping[str, Duration]]
    contract_start: date | None


class SurveyRules(NamedTuple):
    """`[survey]`: the aspects a survey response scores, and when a score, a response or
    an aspect counts as satisfied."""

    aspects: Vocabulary  # key → its label (the form's column header)
    satisfied_min: int
    low_mean: float
    low_share: float
    long_term_months: int


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WorkingHours = tuple[tuple[time, time], ...]


class CalendarRules(NamedTuple):
    """`[calendar]`: the working hours of Monday..Sunday (sorted ranges, none overlapping)
    and the rules file's own dated holidays and workdays (补班), date → name ("" unnamed),
    which override the official calendar."""

    week: tuple[WorkingHours, ...]
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]

    def work_calendar(self) -> WorkCalendar:
        """The calendar business time counts by (official dates looked up per year)."""
        from aftersales_cli.rules.business import WorkCalendar  # only where time is counted

        return WorkCalendar(self.week, self.holidays, self.workdays)


class Rules(NamedTuple):
    """The effective policy, one field per section of the rules file. Built only by
    `parse_rules`, so it is always valid."""

    deadlines: DeadlineRules
    severity: SeverityRules
    categories: Mapping[str, CategoryRule]
    category_terms: Vocabulary  # the categories' names, with those a rules file adds
    causes: CauseRules
    penalties: PenaltyRules
    responsibility: ResponsibilityRules
    statutory: StatutoryRules
    intake: IntakeRules
    revisit: RevisitRules
    targets: Targets
    attachments: AttachmentRules
    survey: SurveyRules
    calendar: CalendarRules
    clients: Mapping[str, ClientTerms]  # by client key (rules.fields.client_key)
    effective: Mapping[str, Any]  # the merged table, for `aftersales rules`


DEFAULTS_SOURCE = "aftersales_cli/rules/defaults.toml"


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return parse_rules("", DEFAULTS_SOURCE)


def parse_rules(text: str, source: str) -> Rules:
    """Defaults overridden by the TOML `text`; RulesFileError names the offending key."""
    overrides = _toml(text, source) if text.strip() else {}
    merged = copy.deepcopy(_defaults())
    _merge(merged, overrides, "", source)
    try:
        return _build(merged)
    except RulesFileError as exc:
        raise RulesFileError(f"{source}: {exc}") from None


# Beside this module: a wheel installs it as a file (a plain read is 10x cheaper than
# importlib.resources, and start-up is benchmarked).
DEFAULTS_FILE = Path(__file__).parent / "defaults.toml"


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    """The policy as shipped, `defaults.toml` beside this module, read once per process;
    `_build` validates it like any rules file."""
    raw = parsed_once(DEFAULTS_FILE)
    # TOML has no null: a target the defaults leave out is unset (no target).
    for name in Targets._fields:
        raw["targets"].setdefault(name, None)
    return raw


def parsed_once(path: Path) -> dict[str, Any]:
    """The TOML file `path`, parsed once per installation rather than by every command:
    as Python keeps a module's bytecode, the parsed values are kept in `__pycache__` beside
    the file (marshal, keyed by the file's size and time) where that folder is writable.
    A missing, stale or unreadable copy is parsed again. Importing tomllib and parsing the
    defaults cost 3.5 ms a command (measured); reading the copy, a tenth of a millisecond."""
    import marshal
    import sys

    stat = path.stat()
    key = [stat.st_size, stat.st_mtime_ns]
    kept = path.parent / "__pycache__" / f"{path.name}.{sys.implementation.cache_tag}.marshal"
    try:
        stored = marshal.loads(kept.read_bytes())
        if isinstance(stored, list) and len(stored) == 2 and stored[0] == key:
            if isinstance(stored[1], dict):
                return stored[1]
    except (OSError, ValueError, EOFError, TypeError):
        pass
    raw = _toml(path.read_text("utf-8"), DEFAULTS_SOURCE if path == DEFAULTS_FILE else str(path))
    try:
        _keep(kept, marshal.dumps([key, raw]))
    except ValueError:  # a value marshal cannot keep (a TOML date): parsed every time
        pass
    return raw


def _keep(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole (a temporary file renamed over it, never through a
    link), or not at all: a folder that is not writable keeps nothing."""
    import contextlib
    import os

    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _toml(text: str, source: str) -> dict[str, Any]:
    import tomllib  # stdlib, and only once a command needs its rules

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(f"{source}: not valid TOML: {exc}") from None


# Values a rules file gives whole (a table or a list), replacing the defaults'.
_WHOLE = frozenset({"calendar.holidays", "calendar.workdays"})


def _merge(base: dict[str, Any], over: Mapping[str, Any], prefix: str, source: str) -> None:
    for key, value in over.items():
        path = f"{prefix}{key}"
        if key not in base:
            if prefix == "categories.":
                base[key] = {"severity": "general", "department": "customer_service"}
                base[key].update({"keywords": [], "zh": ""})
            elif prefix == "survey.aspects.":
                base[key] = value  # an aspect the rules file adds
            elif prefix == "clients." or path in _WHOLE:
                base[key] = copy.deepcopy(value)  # a client's terms: `_clients` checks them
                continue
            else:
                raise RulesFileError(f"{source}: unknown key {path!r}")
        if path in _WHOLE:  # the rules file's dates, as text (JSON has no date): `_calendar`
            base[key] = (  # checks them
                [v.isoformat() if isinstance(v, date) else v for v in value]
                if isinstance(value, list)
                else copy.deepcopy(value)
            )
            continue
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise RulesFileError(f"{source}: {path} must be a table")
            _merge(base[key], value, path + ".", source)
        else:
            base[key] = value


def _number(
    value: Any,
    key: str,
    *,
    minimum: float = 0,
    integer: bool = False,
    maximum: float | Decimal | None = None,
) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesFileError(f"{key}: expected a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise RulesFileError(f"{key}: expected a whole number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - TOML numbers always convert
        raise RulesFileError(f"{key}: expected a number, got {value!r}") from None
    if not number.is_finite() or number < Decimal(str(minimum)):
        raise RulesFileError(f"{key}: must be at least {minimum}, got {value!r}")
    if maximum is not None and number > Decimal(str(maximum)):
        raise RulesFileError(f"{key}: must be at most {maximum:,}, got {value!r}")
    return number


def _rate(value: Any, key: str) -> float | None:
    if value is None:
        return None
    number = _number(value, key)
    if number > 1:
        raise RulesFileError(f"{key}: a rate is a fraction from 0 to 1, got {value!r}")
    return float(number)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesFileError(f"{key}: expected a list of strings")
    return tuple(value)


def _words(value: Any, key: str) -> tuple[str, ...]:
    """Keywords: each a non-empty word or phrase (an empty one would match everything),
    without control characters; compared in lower case."""
    words = []
    for word in _strings(value, key):
        try:
            words.append(fields.text(key, word).lower())
        except RuleError as exc:
            raise RulesFileError(f"{key}: {word!r}: {exc.message}") from None
    return tuple(words)


def _terms(value: Any, key: str, vocabulary: Vocabulary) -> frozenset[str]:
    try:
        return frozenset(vocabulary.parse(v) for v in _strings(value, key))
    except RuleError as exc:
        raise RulesFileError(f"{key}: {exc.message}") from None


def _count(value: Any, key: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    return int(_number(value, key, minimum=minimum, integer=True, maximum=maximum))


def _build(raw: dict[str, Any]) -> Rules:
    """The merged table, read section by section; each reader names the key it refuses."""
    categories, category_terms = _categories(raw["categories"])
    deadlines = _deadline_rules(raw["deadlines"], category_terms)
    calendar = _calendar(raw["calendar"])
    for severity, row in deadlines.by_severity.items():
        _check_order(f"deadlines.{severity}", row, _per_day(deadlines, calendar, severity))
    return Rules(
        deadlines=deadlines,
        severity=_severity(raw["severity"]),
        categories=categories,
        category_terms=category_terms,
        causes=CauseRules(
            not_ours=_terms(raw["causes"]["not_ours"], "causes.not_ours", CAUSES),
            undetermined=_terms(raw["causes"]["undetermined"], "causes.undetermined", CAUSES),
        ),
        penalties=_penalties(raw["penalties"], category_terms),
        responsibility=ResponsibilityRules(_cause_departments(raw["responsibility"]["causes"])),
        statutory=_statutory(raw["statutory"], category_terms),
        intake=_intake(raw["intake"], category_terms),
        revisit=_revisit(raw["revisit"]),
        targets=_targets(raw["targets"]),
        attachments=AttachmentRules(
            _count(raw["attachments"]["max_mib"], "attachments.max_mib", maximum=MAX_ATTACHMENT_MIB)
            * 1024
            * 1024
        ),
        survey=_survey(raw["survey"]),
        calendar=calendar,
        clients=_clients(raw["clients"], deadlines, calendar),
        effective=raw,
    )


def _deadline_rules(table: Mapping[str, Any], category_terms: Vocabulary) -> DeadlineRules:
    """`[deadlines]`: a row of milestones per severity, the chain in order within a row
    and never more time for a more severe level; then the milestones every case shares."""
    by_severity = {severity: _deadline_row(severity, table[severity]) for severity in SEVERITIES}
    _check_severities(by_severity)
    return DeadlineRules(
        by_severity=by_severity,
        revisit_after_close=_duration(table, "revisit_after_close"),
        backdate_needs_reason=_duration(table, "backdate_needs_reason"),
        sample=_switchable(table, "sample"),
        lab_report=_switchable(table, "lab_report"),
        qc_categories=_terms(table["qc_categories"], "deadlines.qc_categories", category_terms),
        confirm=_switchable(table, "confirm"),
        business_time=_business_time(table["business_time"]),
        pause_limit=_duration(table, "pause_limit"),
    )


def _business_time(table: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """`[deadlines.business_time]`: per severity, the milestones whose clocks count
    working time only ([calendar]); the others run 24/7."""
    extra = sorted(set(table) - set(SEVERITIES))
    if extra:
        raise RulesFileError(f"unknown key 'deadlines.business_time.{extra[0]}'")
    return {
        severity: _terms(table[severity], f"deadlines.business_time.{severity}", MILESTONES)
        for severity in SEVERITIES
    }


def _severity(table: Mapping[str, Any]) -> SeverityRules:
    return SeverityRules(
        illness_words=_words(table["illness_words"], "severity.illness_words"),
        urgent_when_people_over=_count(
            table["urgent_when_people_over"],
            "severity.urgent_when_people_over",
            minimum=0,
            maximum=fields.COUNT_MAX,
        ),
        escalate_when_overdue=_terms(
            table["escalate_when_overdue"], "severity.escalate_when_overdue", SEVERITIES
        ),
    )


def _penalties(table: Mapping[str, Any], category_terms: Vocabulary) -> PenaltyRules:
    return PenaltyRules(
        ladder=_ladder(table["ladder"]),
        window_days=_count(table["window_days"], "penalties.window_days", maximum=MAX_WINDOW_DAYS),
        findings=_terms(table["findings"], "penalties.findings", FINDINGS),
        incident_findings=_terms(
            table["incident_findings"], "penalties.incident_findings", FINDINGS
        ),
        staff_fine=_number(table["staff_fine"], "penalties.staff_fine", maximum=fields.MONEY_MAX),
        staff_fine_categories=_terms(
            table["staff_fine_categories"], "penalties.staff_fine_categories", category_terms
        ),
    )


def _statutory(table: Mapping[str, Any], category_terms: Vocabulary) -> StatutoryRules:
    return StatutoryRules(
        price_multiple=_number(
            table["price_multiple"], "statutory.price_multiple", maximum=MAX_MULTIPLE
        ),
        loss_multiple=_number(
            table["loss_multiple"], "statutory.loss_multiple", maximum=MAX_MULTIPLE
        ),
        minimum=_number(table["minimum"], "statutory.minimum", maximum=fields.MONEY_MAX),
        categories=_terms(table["categories"], "statutory.categories", category_terms),
        findings=_terms(table["findings"], "statutory.findings", FINDINGS),
    )


def _intake(table: Mapping[str, Any], category_terms: Vocabulary) -> IntakeRules:
    return IntakeRules(
        repeat_window_days=_count(
            table["repeat_window_days"], "intake.repeat_window_days", maximum=MAX_WINDOW_DAYS
        ),
        batch_window_hours=_count(
            table["batch_window_hours"], "intake.batch_window_hours", maximum=MAX_WINDOW_HOURS
        ),
        sample_retention_hours=_count(
            table["sample_retention_hours"],
            "intake.sample_retention_hours",
            maximum=MAX_WINDOW_HOURS,
        ),
        sample_categories=_terms(
            table["sample_categories"], "intake.sample_categories", category_terms
        ),
        cluster_categories=_terms(
            table["cluster_categories"], "intake.cluster_categories", category_terms
        ),
    )


def _deadline_row(severity: str, table: Mapping[str, Any]) -> dict[str, Duration | None]:
    row: dict[str, Duration | None] = {}
    for milestone in INTAKE_MILESTONES:
        key = f"deadlines.{severity}.{milestone}"
        value = table.get(milestone)
        if not isinstance(value, str):
            raise RulesFileError(f"{key}: expected a duration like '4h', got {value!r}")
        if value.strip().lower() != "none":
            row[milestone] = parse_duration(value, key)
        elif milestone in SWITCHABLE:
            row[milestone] = None
        else:
            raise RulesFileError(f"{key}: only {' and '.join(SWITCHABLE)} may be 'none'")
    extra = set(table) - set(INTAKE_MILESTONES)
    if extra:
        raise RulesFileError(f"unknown key 'deadlines.{severity}.{sorted(extra)[0]}'")
    return row


# The milestones of a level's row that may be switched off ("none").
SWITCHABLE: tuple[str, ...] = ("forward", "investigation")


def _duration(table: Mapping[str, Any], name: str) -> Duration:
    value, key = table[name], f"deadlines.{name}"
    if not isinstance(value, str):
        raise RulesFileError(f"{key}: expected a duration, got {value!r}")
    return parse_duration(value, key)


def _switchable(table: Mapping[str, Any], name: str) -> Duration | None:
    """`deadlines.NAME`, or "none": the milestone is switched off."""
    value = table[name]
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return _duration(table, name)


def _categories(table: Mapping[str, Any]) -> tuple[dict[str, CategoryRule], Vocabulary]:
    """`[categories.KEY]`: the policy's categories, changed or added to; `other`, the
    fallback, always comes last."""
    categories: dict[str, CategoryRule] = {}
    new_terms: dict[str, Term] = {}
    for key, entry in table.items():
        if key not in CATEGORIES:
            new_terms[key] = _new_term(key, entry)
        categories[key] = _category(key, entry)
    categories["other"] = categories.pop("other")
    return categories, CATEGORIES.extended(new_terms)


def _new_term(key: str, entry: Mapping[str, Any]) -> Term:
    where = f"categories.{key}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise RulesFileError(f"{where}: a category key is lower_case_with_underscores")
    zh = entry.get("zh", "")
    if not isinstance(zh, str):
        raise RulesFileError(f"{where}.zh: expected a string, got {zh!r}")
    try:
        return Term(key, fields.text(f"{where}.zh", zh) if zh else "")
    except RuleError as exc:
        raise RulesFileError(str(exc)) from None


def _category(key: str, entry: Mapping[str, Any]) -> CategoryRule:
    where = f"categories.{key}"
    unknown = set(entry) - {"severity", "department", "keywords", "zh"}
    if unknown:
        raise RulesFileError(f"unknown key '{where}.{sorted(unknown)[0]}'")
    try:
        severity = SEVERITIES.parse(str(entry["severity"]))
        department = DEPARTMENTS.parse(str(entry["department"]))
    except RuleError as exc:
        raise RulesFileError(f"{where}.{exc.field}: {exc.message}") from None
    return CategoryRule(key, severity, department, _words(entry["keywords"], f"{where}.keywords"))


def _ladder(value: Any) -> tuple[Decimal, ...]:
    """`penalties.ladder`: the multiple for the first, second, … offence — whole times
    (POLICY.md §5: 2, 3, 10), as the database keeps them (an INTEGER, migration 0009)."""
    if not isinstance(value, list):
        raise RulesFileError("penalties.ladder: expected a list of multiples")
    ladder = tuple(
        _number(v, "penalties.ladder", integer=True, maximum=MAX_MULTIPLE) for v in value
    )
    if not ladder or any(b < a for a, b in zip(ladder, ladder[1:], strict=False)):
        raise RulesFileError("penalties.ladder: a non-empty list that never decreases")
    return ladder


def _revisit(table: Mapping[str, Any]) -> RevisitRules:
    """`[revisit]`: the lowest satisfied score and the highest that reopens the case."""
    satisfied_min = _count(table["satisfied_min"], "revisit.satisfied_min")
    reopen_max = _count(table["reopen_max"], "revisit.reopen_max", minimum=0)
    if not reopen_max < satisfied_min <= 5:
        raise RulesFileError("revisit: need 0 <= reopen_max < satisfied_min <= 5")
    return RevisitRules(satisfied_min, reopen_max)


def _targets(table: Mapping[str, Any]) -> Targets:
    """`[targets]`: the report's targets; a rate or the handling time may be unset."""
    avg = table["avg_handling_hours"]
    return Targets(
        responded_within_hours=_count(
            table["responded_within_hours"],
            "targets.responded_within_hours",
            maximum=MAX_WINDOW_HOURS,
        ),
        responded_24h_rate=_rate(table["responded_24h_rate"], "targets.responded_24h_rate"),
        resolution_rate=_rate(table["resolution_rate"], "targets.resolution_rate"),
        satisfaction_rate=_rate(table["satisfaction_rate"], "targets.satisfaction_rate"),
        avg_handling_hours=None
        if avg is None
        else float(_number(avg, "targets.avg_handling_hours", maximum=MAX_WINDOW_HOURS)),
        repeat_rate=_rate(table["repeat_rate"], "targets.repeat_rate"),
        on_time_rate=_rate(table["on_time_rate"], "targets.on_time_rate"),
        survey_satisfaction_rate=_rate(
            table["survey_satisfaction_rate"], "targets.survey_satisfaction_rate"
        ),
    )


def _clients(
    table: Mapping[str, Any], rules: DeadlineRules, calendar: CalendarRules
) -> dict[str, ClientTerms]:
    """`[clients."NAME"]`: each client's stricter deadlines — a duration per milestone of a
    severity's row, none later than the policy's (in business time a day counts as the
    shortest working day: "12h" is later than "1d" of 08:00-18:00), the row still in
    order — and its contract start (a date, `2025-09-01`)."""
    policy = rules.by_severity
    found: dict[str, ClientTerms] = {}
    for name, terms in table.items():
        where = f"clients.{name}"
        key = fields.client_key(name)
        if key is None:
            raise RulesFileError(f"{where}: a client's name must not be empty")
        if key in found:
            raise RulesFileError(f"{where}: the same client as {found[key].name!r}")
        if not isinstance(terms, Mapping):
            raise RulesFileError(f"{where}: must be a table")
        unknown = sorted(set(terms) - {"deadlines", "contract_start"})
        if unknown:
            raise RulesFileError(f"unknown key '{where}.{unknown[0]}'")
        rows = terms.get("deadlines", {})
        if not isinstance(rows, Mapping):
            raise RulesFileError(f"{where}.deadlines: must be a table of severities")
        deadlines: dict[str, dict[str, Duration]] = {}
        for severity, row in rows.items():
            if severity not in SEVERITIES or not isinstance(row, Mapping):
                raise RulesFileError(
                    f"{where}.deadlines.{severity}: a table under a severity "
                    f"({', '.join(SEVERITIES)})"
                )
            per_day = _per_day(rules, calendar, severity)
            mine: dict[str, Duration] = {}
            for milestone, value in row.items():
                at = f"{where}.deadlines.{severity}.{milestone}"
                if milestone not in INTAKE_MILESTONES:
                    raise RulesFileError(f"{at}: one of {', '.join(INTAKE_MILESTONES)}")
                if not isinstance(value, str):
                    raise RulesFileError(f"{at}: expected a duration like '15m', got {value!r}")
                duration = parse_duration(value, at)
                usual = policy[severity][milestone]
                day = per_day[milestone]
                if usual is not None and _span(duration, day) > _span(usual, day):
                    raise RulesFileError(
                        f"{at}: {value} is later than the policy's {usual}; a client's "
                        "deadlines may only be stricter"
                    )
                mine[milestone] = duration
            _check_order(f"{where}.deadlines.{severity}", {**policy[severity], **mine}, per_day)
            deadlines[severity] = mine
        found[key] = ClientTerms(name, deadlines, _day(terms.get("contract_start"), where))
    return found


def _per_day(rules: DeadlineRules, calendar: CalendarRules, severity: str) -> dict[str, int]:
    """How many minutes a day (`1d`) counts for, per milestone of a severity, to compare
    durations: 24 h on the 24/7 clock; in business time the longest working day, so that
    what is refused is out of order (or later) on every day — a client's "12h" is later
    than "1d" of 08:00-18:00, "8h" is not later than "1d" where Monday to Friday work
    08:00-18:00 and Saturday 09:00-12:00."""
    longest = max(
        sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in hours)
        for hours in calendar.week
        if hours
    )
    return {m: longest if rules.business(severity, m) else 24 * 60 for m in INTAKE_MILESTONES}


def _span(duration: Duration, per_day: int) -> int:
    """A duration in minutes, a day counted as `per_day` minutes."""
    return duration.minutes + duration.days * per_day


def _day(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RulesFileError(
            f"{where}.contract_start: a date like 2025-09-01, got {value!r}"
        ) from None


_ASPECT_KEY = r"^[a-z][a-z0-9_]{0,31}$"


def _survey(table: Mapping[str, Any]) -> SurveyRules:
    """`[survey]`: aspects as `key = "label"` (keys lower-case ASCII, labels distinct and
    non-empty), and the thresholds of a satisfied score and a low aspect."""
    aspects = table["aspects"]
    if not isinstance(aspects, Mapping) or not aspects:
        raise RulesFileError('survey.aspects: a table of at least one aspect = "label"')
    terms = []
    labels: set[str] = set()
    for key, label in aspects.items():
        where = f"survey.aspects.{key}"
        if not re.match(_ASPECT_KEY, key):
            raise RulesFileError(f"{where}: a key of lower-case letters, digits and _")
        if not isinstance(label, str) or not label.strip() or len(label) > 40:
            raise RulesFileError(f"{where}: a label of 1 to 40 characters")
        if label.strip() in labels:
            raise RulesFileError(f"{where}: the label {label!r} is used twice")
        labels.add(label.strip())
        terms.append(Term(key, label.strip()))
    satisfied_min = _count(table["satisfied_min"], "survey.satisfied_min", maximum=5)
    low_mean = float(_number(table["low_mean"], "survey.low_mean", minimum=1, maximum=5))
    low_share = _rate(table["low_share"], "survey.low_share")
    months = _count(table["long_term_months"], "survey.long_term_months", maximum=120)
    return SurveyRules(
        Vocabulary("aspect", terms), satisfied_min, low_mean, low_share or 0.0, months
    )


def _cause_departments(table: Any) -> dict[str, str]:
    """`[responsibility] causes`: each cause (a known one) → a department, or "" for the
    department that handled the case."""
    result: dict[str, str] = {}
    for cause, department in table.items():
        where = f"responsibility.causes.{cause}"
        if cause not in CAUSES:
            raise RulesFileError(f"{where}: not a cause; one of {', '.join(CAUSES)}")
        if not isinstance(department, str):
            raise RulesFileError(f"{where}: expected a department name, got {department!r}")
        if not department.strip():
            continue
        try:
            result[cause] = DEPARTMENTS.parse(department)
        except RuleError as exc:
            raise RulesFileError(f"{where}: {exc.message}") from None
    return result


def _check_order(
    where: str, row: Mapping[str, Duration | None], per_day: Mapping[str, int]
) -> None:
    """Within a level each milestone of the chain is due no earlier than the one before it
    (`forward` is free); a day counts as `per_day` minutes (`_per_day`)."""
    previous: tuple[str, Duration, int] | None = None
    for milestone in CHAIN_MILESTONES:
        due = row[milestone]
        if due is None:
            continue
        minutes = _span(due, per_day[milestone])
        if previous and minutes < previous[2]:
            day = per_day[milestone]
            hours = f"{day // 60} h" + (f" {day % 60} min" if day % 60 else "")
            said = "" if day == 24 * 60 else f" (a working day holds {hours})"
            raise RulesFileError(
                f"{where}.{milestone}: {due} is earlier than "
                f"{previous[0]} ({previous[1]}){said}; milestones must come in order"
            )
        previous = (milestone, due, minutes)


def _check_severities(deadlines: Mapping[str, Mapping[str, Duration | None]]) -> None:
    """A more severe level is never given more time for the same milestone."""
    levels = sorted(deadlines, key=lambda s: -SEVERITY_RANK[s])
    for stricter, looser in zip(levels, levels[1:], strict=False):
        for milestone in INTAKE_MILESTONES:
            a, b = deadlines[stricter][milestone], deadlines[looser][milestone]
            if a is not None and b is not None and a.approx_minutes > b.approx_minutes:
                raise RulesFileError(
                    f"deadlines.{stricter}.{milestone}: {a} is later than "
                    f"{looser}'s {b}; a more severe level never gets more time"
                )


_RANGE = r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$"


def _calendar(table: Mapping[str, Any]) -> CalendarRules:
    """`[calendar]`: `hours.mon` .. `hours.sun`, each a list of "HH:MM-HH:MM" ranges
    (none overlapping, within a day), at least one weekday working; `holidays` and
    `workdays`, each a table of date = "name" or a list of dates, no date in both."""
    unknown = sorted(set(table) - {"hours", "holidays", "workdays"})
    if unknown:
        raise RulesFileError(f"unknown key 'calendar.{unknown[0]}'")
    hours = table["hours"]
    if not isinstance(hours, Mapping):
        raise RulesFileError("calendar.hours: a table of weekdays (mon .. sun)")
    extra = sorted(set(hours) - set(WEEKDAYS))
    if extra:
        raise RulesFileError(f"calendar.hours.{extra[0]}: a weekday, one of {', '.join(WEEKDAYS)}")
    week = tuple(_hours(hours.get(day, []), f"calendar.hours.{day}") for day in WEEKDAYS)
    if not any(week):
        raise RulesFileError("calendar.hours: at least one weekday needs working hours")
    holidays = _dates(table["holidays"], "calendar.holidays")
    workdays = _dates(table["workdays"], "calendar.workdays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise RulesFileError(
            f"calendar.workdays: {both[0]} is also in calendar.holidays; a date is one or the other"
        )
    return CalendarRules(week, holidays, workdays)


def _hours(value: Any, where: str) -> WorkingHours:
    if not isinstance(value, list):
        raise RulesFileError(f'{where}: a list of ranges like ["08:00-12:00", "13:00-18:00"]')
    ranges: list[tuple[time, time]] = []
    for item in value:
        match = re.match(_RANGE, item) if isinstance(item, str) else None
        if not match:
            raise RulesFileError(f"{where}: a range like '08:00-18:00', got {item!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 23 or m2 > 59:
            raise RulesFileError(f"{where}: not a time of day in {item!r}")
        start, end = time(h1, m1), time(h2, m2)
        if not start < end:
            raise RulesFileError(f"{where}: {item!r} must start before it ends")
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        if start < end:
            raise RulesFileError(f"{where}: the ranges {_range_text(ranges)} overlap")
    return tuple(ranges)


def _range_text(ranges: list[tuple[time, time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def _dates(value: Any, where: str) -> dict[date, str]:
    """A table of date = "name" (a date key, or a TOML date), or a list of dates."""
    pairs: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(item, "") for item in value]
    else:
        raise RulesFileError(f'{where}: a table of date = "name", or a list of dates')
    found: dict[date, str] = {}
    for raw, name in pairs:
        day = _a_date(raw, where)
        if day in found:
            raise RulesFileError(f"{where}: {day} is given twice")
        if not isinstance(name, str):
            raise RulesFileError(f"{where}.{day}: a name, got {name!r}")
        try:
            found[day] = fields.text(f"{where}.{day}", name) if name.strip() else ""
        except RuleError as exc:
            raise RulesFileError(str(exc)) from None
    return dict(sorted(found.items()))


def _a_date(value: Any, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        if isinstance(value, str) and len(value.strip()) == 10:
            return date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise RulesFileError(f"{where}: a date like 2027-02-05, got {value!r}")
