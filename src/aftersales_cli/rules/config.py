"""Every policy number and table, once: the defaults of POLICY.md and their TOML overrides.

Pure: `parse_rules` takes the text of a rules file (the shell reads it) and returns a
validated, frozen `Rules`. A rules file has the shape of `DEFAULTS` and overrides any
value or table entry in it; `aftersales rules` prints the effective result.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from aftersales_cli.rules import fields
from aftersales_cli.rules.errors import RuleError, RulesFileError
from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CAUSES,
    DEPARTMENTS,
    FINDINGS,
    INTAKE_MILESTONES,
    SEVERITIES,
    SEVERITY_RANK,
    Term,
    Vocabulary,
)

# The policy, POLICY.md §2–6. Durations are written in the unit the policy means:
# minutes and hours are clock time from receipt, days move on the local calendar.
# fmt: off
DEFAULTS: dict[str, Any] = {
    "deadlines": {
        "urgent": {"contact": "30m", "plan": "2h", "investigation": "4h", "resolution": "24h"},
        "general": {"contact": "1h", "plan": "4h", "investigation": "8h", "resolution": "24h"},
        "non_urgent": {
            "contact": "24h",
            "plan": "48h",
            "investigation": "none",
            "resolution": "48h",
        },
        # The revisit is due this long after the case is closed (POLICY.md §4).
        "revisit_after_close": "3d",
        # `done --at` further back than this needs --reason (kept in the history).
        "backdate_needs_reason": "10m",
    },
    "severity": {
        # Any of these words in the description makes the tool suggest `urgent`.
        "illness_words": [
            "腹泻", "拉肚子", "呕吐", "发烧", "发热", "不适", "中毒", "过敏", "就医", "住院",
            "急诊", "diarrhoea", "diarrhea", "vomit", "fever", "unwell", "poison", "allerg",
            "hospital",
        ],
        # More people affected than this makes a complaint urgent whatever its category.
        "urgent_when_people_over": 1,
        # Overdue on any milestone at these levels is escalated to management (001 §七.10).
        "escalate_when_overdue": ["urgent"],
    },
    # Category → default severity, responsible department and the words that suggest it.
    # The order is the order of precedence when a description matches several.
    "categories": {
        "illness": {
            "severity": "urgent",
            "department": "quality_control",
            "keywords": [
                "腹泻", "拉肚子", "呕吐", "吐了", "发烧", "发热", "身体不适", "不舒服", "肚子疼",
                "腹痛", "头晕", "恶心", "中毒", "过敏", "就医", "住院", "急诊", "diarrh",
                "vomit", "fever", "unwell", "sick", "nause", "stomach ache", "stomachache",
                "poisoning", "allerg", "hospital",
            ],
        },
        "food_safety": {
            "severity": "urgent",
            "department": "quality_control",
            "keywords": [
                "变质", "馊", "发霉", "霉变", "长毛", "生虫", "有毒", "致病菌", "过期",
                "未检疫", "掺假", "酸臭", "发臭", "臭了", "异味", "spoiled", "spoilt", "rotten",
                "mould", "mold", "expired", "gone off", "smells off", "maggot", "toxic",
            ],
        },
        "foreign_object": {
            "severity": "general",
            "department": "production",
            "keywords": [
                "头发", "毛发", "异物", "塑料", "玻璃", "钢丝", "铁丝", "金属", "石子", "沙子",
                "苍蝇", "虫子", "hair", "plastic", "glass", "metal", "stone", "wire", "a fly",
                "insect", "bug in", "foreign object",
            ],
        },
        "packaging_damaged": {
            "severity": "general",
            "department": "procurement",
            "keywords": [
                "包装破", "破损", "漏汤", "洒了", "盒子坏", "盒子破", "漏了", "packaging damaged",
                "damaged box", "leak", "spilled", "spilt", "broken box", "torn",
            ],
        },
        "packaging_hygiene": {
            "severity": "general",
            "department": "procurement",
            "keywords": [
                "包装脏", "包装有污渍", "污渍", "包装有异味", "dirty box", "dirty packaging",
                "stain",
            ],
        },
        "label_error": {
            "severity": "general",
            "department": "quality_control",
            "keywords": ["标签", "标识", "没有生产日期", "生产日期", "label"],
        },
        "wrong_delivery": {
            "severity": "general",
            "department": "delivery",
            "keywords": [
                "送错", "错发", "漏发", "少送", "数量不符", "少了", "缺了", "不是我们订的",
                "wrong order", "wrong meal", "wrong delivery", "wrong address", "missing",
                "short by",
            ],
        },
        "delivery_delay": {
            "severity": "general",
            "department": "delivery",
            "keywords": [
                "迟到", "晚到", "延误", "送晚", "还没送到", "没送到", "还没到", "超时", "迟送",
                "送得晚", "送餐晚", "晚了", "迟了",
                "late", "delay", "not arrived", "hasn't arrived", "has not arrived",
            ],
        },
        "food_quality": {
            "severity": "general",
            "department": "production",
            "keywords": [
                "没熟", "未熟", "夹生", "份量", "分量", "量少", "不新鲜", "太硬", "偏硬", "煮烂",
                "口感",
                "变形", "凉了", "冷了", "undercooked", "raw", "portion", "not fresh", "soggy",
                "overcooked", "burnt", "cold",
            ],
        },
        "service_attitude": {
            "severity": "general",
            "department": "customer_service",
            "keywords": [
                "态度", "骂", "粗鲁", "不礼貌", "乱走", "抽烟", "员工", "rude", "attitude",
                "impolite", "shouted", "smoking",
            ],
        },
        "slow_response": {
            "severity": "general",
            "department": "customer_service",
            "keywords": [
                "没人回", "回复慢", "不回复", "没人理", "推脱", "一直没处理", "no reply",
                "no response", "slow response", "ignored",
            ],
        },
        "taste_feedback": {
            "severity": "non_urgent",
            "department": "production",
            "keywords": [
                "太咸", "太淡", "太辣", "不好吃", "口味", "油腻", "太甜", "too salty", "bland",
                "too spicy", "taste", "greasy", "too sweet",
            ],
        },
        "suggestion": {
            "severity": "non_urgent",
            "department": "customer_service",
            "keywords": [
                "建议", "希望", "咨询", "能不能", "可否", "请问", "suggest", "could you",
                "would be nice", "enquiry", "inquiry", "question",
            ],
        },
        "other": {"severity": "general", "department": "customer_service", "keywords": []},
    },
    "causes": {
        # Causes that are not the company's doing (force majeure or the customer's own);
        # `undetermined` ones leave ours/not ours open. Every other cause is ours.
        "not_ours": ["traffic", "weather", "customer"],
        "undetermined": ["unknown"],
    },
    "penalties": {
        # k × that product's supply value on the day, by offence number (POLICY.md §5).
        "ladder": [2, 3, 10],
        "window_days": 365,
        "findings": ["counterfeit", "expired", "spoiled"],
        # Findings that may be a food-safety incident: flagged loudly when ours.
        "incident_findings": ["toxic", "pathogen"],
        # ¥ charged to a named staff member for misconduct at a client's premises.
        "staff_fine": 50,
        "staff_fine_categories": ["service_attitude"],
    },
    "responsibility": {
        # The department charged with a case in the monthly review, by its cause (`001 §五`);
        # "" charges the department that handled it (causes that are not ours or unknown).
        "causes": {
            "ingredient_purchase": "procurement",
            "packaging_supplier": "procurement",
            "processing": "production",
            "storage_transport": "delivery",
            "route_planning": "delivery",
            "vehicle_failure": "delivery",
            "sorting": "delivery",
            "handover": "delivery",
            "order_entry": "customer_service",
            "traffic": "",
            "weather": "",
            "customer": "",
            "unknown": "",
        },
    },
    "statutory": {
        # PRC Food Safety Law art. 148: ten times the price or three times the loss, ≥ ¥1,000.
        "price_multiple": 10,
        "loss_multiple": 3,
        "minimum": 1000,
        "categories": ["food_safety", "illness"],
        # Suggested on these categories when the finding is one of these and ours: the
        # defect list of 001 §6 and foreign objects (not `none`, not `other`).
        "findings": [
            "spoiled", "toxic", "pathogen", "unquarantined", "diseased_animal", "counterfeit",
            "expired", "damaged", "untraceable", "foreign_object",
        ],
    },
    "intake": {
        # Same phone within this many days: warn, and count as a repeat complaint.
        "repeat_window_days": 30,
        # Other complaints on the same batch (or product and delivery date) within this.
        "batch_window_hours": 48,
        # The retained food sample (留样) is kept this long after delivery; it matters for
        # complaints of these categories.
        "sample_retention_hours": 48,
        "sample_categories": ["food_safety", "illness"],
        # Two or more complaints of these categories from one client on one local day are
        # a cluster (a possible incident at that client), with or without a batch.
        "cluster_categories": ["food_safety", "illness"],
    },
    "revisit": {"satisfied_min": 4, "reopen_max": 2},
    "targets": {
        "responded_within_hours": 24,
        "responded_24h_rate": 0.98,
        "resolution_rate": 0.95,
        "satisfaction_rate": 0.90,
        "avg_handling_hours": 48,
        "repeat_rate": 0.05,
        # No target unless a rules file sets one.
        "on_time_rate": None,
    },
}
# fmt: on

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$")

# What a rules file may ask for at most: anything beyond is a typing error, and keeps
# date arithmetic far from the ends of the calendar.
MAX_DURATION_DAYS = 365  # any deadline
MAX_WINDOW_DAYS = 3650  # windows looked back over (10 years)
MAX_WINDOW_HOURS = MAX_WINDOW_DAYS * 24
MAX_MULTIPLE = 1000  # penalty and compensation multiples


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
    match = _DURATION.match(text)
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


@dataclass(frozen=True, eq=False, repr=False)
class Rules:
    """The effective policy. Built only by `parse_rules`, so it is always valid."""

    deadlines: Mapping[str, Mapping[str, Duration | None]]
    revisit_after_close: Duration
    backdate_needs_reason: Duration
    illness_words: tuple[str, ...]
    urgent_when_people_over: int
    escalate_when_overdue: frozenset[str]
    categories: Mapping[str, CategoryRule]
    category_terms: Vocabulary
    not_ours_causes: frozenset[str]
    undetermined_causes: frozenset[str]
    penalty_ladder: tuple[Decimal, ...]
    penalty_window_days: int
    penalty_findings: frozenset[str]
    incident_findings: frozenset[str]
    staff_fine: Decimal
    staff_fine_categories: frozenset[str]
    statutory_price_multiple: Decimal
    statutory_loss_multiple: Decimal
    statutory_minimum: Decimal
    statutory_categories: frozenset[str]
    statutory_findings: frozenset[str]
    # cause → department responsible; a cause not in it is charged to the handling one
    cause_departments: Mapping[str, str]
    repeat_window_days: int
    batch_window_hours: int
    sample_retention_hours: int
    sample_categories: frozenset[str]
    cluster_categories: frozenset[str]
    satisfied_min: int
    reopen_max: int
    targets: Targets
    effective: Mapping[str, Any]  # the merged table, for `aftersales rules`


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return parse_rules("", "defaults")


def parse_rules(text: str, source: str) -> Rules:
    """Defaults overridden by the TOML `text`; RulesFileError names the offending key."""
    overrides: dict[str, Any] = {}
    if text.strip():
        import tomllib  # only when there is a rules file to read

        try:
            overrides = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RulesFileError(f"{source}: not valid TOML: {exc}") from None
    merged = copy.deepcopy(DEFAULTS)
    _merge(merged, overrides, "", source)
    try:
        return _build(merged)
    except RulesFileError as exc:
        raise RulesFileError(f"{source}: {exc}") from None


def _merge(base: dict[str, Any], over: Mapping[str, Any], prefix: str, source: str) -> None:
    for key, value in over.items():
        path = f"{prefix}{key}"
        if key not in base:
            if prefix == "categories.":
                base[key] = {"severity": "general", "department": "customer_service"}
                base[key].update({"keywords": [], "zh": ""})
            else:
                raise RulesFileError(f"{source}: unknown key {path!r}")
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


def _build(raw: dict[str, Any]) -> Rules:
    deadlines: dict[str, dict[str, Duration | None]] = {}
    for severity in SEVERITIES.keys():
        table = raw["deadlines"][severity]
        row: dict[str, Duration | None] = {}
        for milestone in INTAKE_MILESTONES:
            key = f"deadlines.{severity}.{milestone}"
            value = table.get(milestone)
            if not isinstance(value, str):
                raise RulesFileError(f"{key}: expected a duration like '4h', got {value!r}")
            if value.strip().lower() == "none":
                if milestone != "investigation":
                    raise RulesFileError(f"{key}: only investigation may be 'none'")
                row[milestone] = None
            else:
                row[milestone] = parse_duration(value, key)
        extra = set(table) - set(INTAKE_MILESTONES)
        if extra:
            raise RulesFileError(f"unknown key 'deadlines.{severity}.{sorted(extra)[0]}'")
        _check_order(severity, row)
        deadlines[severity] = row
    _check_severities(deadlines)
    revisit = raw["deadlines"]["revisit_after_close"]
    if not isinstance(revisit, str):
        raise RulesFileError(f"deadlines.revisit_after_close: expected a duration, got {revisit!r}")
    backdate = raw["deadlines"]["backdate_needs_reason"]
    if not isinstance(backdate, str):
        raise RulesFileError(
            f"deadlines.backdate_needs_reason: expected a duration, got {backdate!r}"
        )

    categories: dict[str, CategoryRule] = {}
    new_terms: dict[str, Term] = {}
    for key, entry in raw["categories"].items():
        where = f"categories.{key}"
        if key not in CATEGORIES:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise RulesFileError(f"{where}: a category key is lower_case_with_underscores")
            zh = entry.get("zh", "")
            if not isinstance(zh, str):
                raise RulesFileError(f"{where}.zh: expected a string, got {zh!r}")
            if zh:
                try:
                    zh = fields.text(f"{where}.zh", zh)
                except RuleError as exc:
                    raise RulesFileError(str(exc)) from None
            new_terms[key] = Term(key, zh)
        allowed = {"severity", "department", "keywords", "zh"}
        unknown = set(entry) - allowed
        if unknown:
            raise RulesFileError(f"unknown key '{where}.{sorted(unknown)[0]}'")
        try:
            severity = SEVERITIES.parse(str(entry["severity"]))
            department = DEPARTMENTS.parse(str(entry["department"]))
        except RuleError as exc:
            raise RulesFileError(f"{where}.{exc.field}: {exc.message}") from None
        keywords = _words(entry["keywords"], f"{where}.keywords")
        categories[key] = CategoryRule(key, severity, department, keywords)
    # `other` is the fallback: it always comes last.
    categories["other"] = categories.pop("other")
    category_terms = CATEGORIES.extended(new_terms)

    pen, stat, intake, revisit_cfg, targets = (
        raw["penalties"],
        raw["statutory"],
        raw["intake"],
        raw["revisit"],
        raw["targets"],
    )
    if not isinstance(pen["ladder"], list):
        raise RulesFileError("penalties.ladder: expected a list of multiples")
    ladder = tuple(
        _number(v, "penalties.ladder", minimum=0, maximum=MAX_MULTIPLE) for v in pen["ladder"]
    )
    if not ladder or any(b < a for a, b in zip(ladder, ladder[1:], strict=False)):
        raise RulesFileError("penalties.ladder: a non-empty list that never decreases")
    satisfied_min = int(
        _number(revisit_cfg["satisfied_min"], "revisit.satisfied_min", minimum=1, integer=True)
    )
    reopen_max = int(_number(revisit_cfg["reopen_max"], "revisit.reopen_max", integer=True))
    if not reopen_max < satisfied_min <= 5:
        raise RulesFileError("revisit: need 0 <= reopen_max < satisfied_min <= 5")
    sev = raw["severity"]
    return Rules(
        deadlines=deadlines,
        revisit_after_close=parse_duration(revisit, "deadlines.revisit_after_close"),
        backdate_needs_reason=parse_duration(backdate, "deadlines.backdate_needs_reason"),
        illness_words=_words(sev["illness_words"], "severity.illness_words"),
        urgent_when_people_over=int(
            _number(
                sev["urgent_when_people_over"],
                "severity.urgent_when_people_over",
                integer=True,
                maximum=fields.COUNT_MAX,
            )
        ),
        escalate_when_overdue=_terms(
            sev["escalate_when_overdue"], "severity.escalate_when_overdue", SEVERITIES
        ),
        categories=categories,
        category_terms=category_terms,
        not_ours_causes=_terms(raw["causes"]["not_ours"], "causes.not_ours", CAUSES),
        undetermined_causes=_terms(raw["causes"]["undetermined"], "causes.undetermined", CAUSES),
        penalty_ladder=ladder,
        penalty_window_days=int(
            _number(
                pen["window_days"],
                "penalties.window_days",
                minimum=1,
                integer=True,
                maximum=MAX_WINDOW_DAYS,
            )
        ),
        penalty_findings=_terms(pen["findings"], "penalties.findings", FINDINGS),
        incident_findings=_terms(pen["incident_findings"], "penalties.incident_findings", FINDINGS),
        staff_fine=_number(pen["staff_fine"], "penalties.staff_fine", maximum=fields.MONEY_MAX),
        staff_fine_categories=_terms(
            pen["staff_fine_categories"], "penalties.staff_fine_categories", category_terms
        ),
        statutory_price_multiple=_number(
            stat["price_multiple"], "statutory.price_multiple", maximum=MAX_MULTIPLE
        ),
        statutory_loss_multiple=_number(
            stat["loss_multiple"], "statutory.loss_multiple", maximum=MAX_MULTIPLE
        ),
        statutory_minimum=_number(stat["minimum"], "statutory.minimum", maximum=fields.MONEY_MAX),
        statutory_categories=_terms(stat["categories"], "statutory.categories", category_terms),
        statutory_findings=_terms(stat["findings"], "statutory.findings", FINDINGS),
        cause_departments=_cause_departments(raw["responsibility"]["causes"]),
        repeat_window_days=int(
            _number(
                intake["repeat_window_days"],
                "intake.repeat_window_days",
                minimum=1,
                integer=True,
                maximum=MAX_WINDOW_DAYS,
            )
        ),
        batch_window_hours=int(
            _number(
                intake["batch_window_hours"],
                "intake.batch_window_hours",
                minimum=1,
                integer=True,
                maximum=MAX_WINDOW_HOURS,
            )
        ),
        sample_retention_hours=int(
            _number(
                intake["sample_retention_hours"],
                "intake.sample_retention_hours",
                minimum=1,
                integer=True,
                maximum=MAX_WINDOW_HOURS,
            )
        ),
        sample_categories=_terms(
            intake["sample_categories"], "intake.sample_categories", category_terms
        ),
        cluster_categories=_terms(
            intake["cluster_categories"], "intake.cluster_categories", category_terms
        ),
        satisfied_min=satisfied_min,
        reopen_max=reopen_max,
        targets=Targets(
            responded_within_hours=int(
                _number(
                    targets["responded_within_hours"],
                    "targets.responded_within_hours",
                    minimum=1,
                    integer=True,
                    maximum=MAX_WINDOW_HOURS,
                )
            ),
            responded_24h_rate=_rate(targets["responded_24h_rate"], "targets.responded_24h_rate"),
            resolution_rate=_rate(targets["resolution_rate"], "targets.resolution_rate"),
            satisfaction_rate=_rate(targets["satisfaction_rate"], "targets.satisfaction_rate"),
            avg_handling_hours=(
                None
                if targets["avg_handling_hours"] is None
                else float(
                    _number(
                        targets["avg_handling_hours"],
                        "targets.avg_handling_hours",
                        maximum=MAX_WINDOW_HOURS,
                    )
                )
            ),
            repeat_rate=_rate(targets["repeat_rate"], "targets.repeat_rate"),
            on_time_rate=_rate(targets["on_time_rate"], "targets.on_time_rate"),
        ),
        effective=raw,
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


def _check_order(severity: str, row: Mapping[str, Duration | None]) -> None:
    """Within a level each milestone is due no earlier than the one before it."""
    previous: tuple[str, Duration] | None = None
    for milestone in INTAKE_MILESTONES:
        due = row[milestone]
        if due is None:
            continue
        if previous and due.approx_minutes < previous[1].approx_minutes:
            raise RulesFileError(
                f"deadlines.{severity}.{milestone}: {due} is earlier than "
                f"{previous[0]} ({previous[1]}); milestones must come in order"
            )
        previous = (milestone, due)


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
