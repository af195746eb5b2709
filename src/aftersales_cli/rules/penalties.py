"""Penalties and compensation (POLICY.md §5, seed 001 §6–7, Food Safety Law art. 148).

Pure. Counting a client's earlier offences needs the database; the shell counts them
(in the window `offence_window_start` gives) and passes the number in.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from aftersales_cli.rules.case import Penalty
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.deadlines import calendar_days
from aftersales_cli.rules.fields import money


def offence_window_start(received_at: datetime, rules: Rules) -> datetime:
    """Offences count per client over the contract period: the window before receipt."""
    return calendar_days(received_at, -rules.penalty_window_days)


def multiplier(offence: int, rules: Rules) -> Decimal:
    """×2 the first time, ×3 the second, ×10 the third and later (by default)."""
    if offence < 1:
        raise ValueError("offences are numbered from 1")
    ladder = rules.penalty_ladder
    return ladder[min(offence, len(ladder)) - 1]


def ladder_penalty(prior_offences: int, supply_value: Decimal, rules: Rules) -> Penalty:
    offence = prior_offences + 1
    k = multiplier(offence, rules)
    return Penalty(offence=offence, multiplier=k, amount=money(k * supply_value))


def is_penalty_finding(finding: str | None, ours: bool | None, rules: Rules) -> bool:
    return finding in rules.penalty_findings and ours is True


def is_incident(finding: str | None, ours: bool | None, rules: Rules) -> bool:
    """Toxic food (or pathogens) confirmed as ours: a possible food-safety incident."""
    return finding in rules.incident_findings and ours is True


def staff_fine(category: str, ours: bool | None, staff: str | None, rules: Rules) -> Decimal | None:
    """¥50 charged to a named staff member for misconduct at a client's premises."""
    if staff and ours is True and category in rules.staff_fine_categories:
        return money(rules.staff_fine)
    return None


def is_food_safety_case(category: str, finding: str | None, rules: Rules) -> bool:
    return category in rules.statutory_categories or finding in rules.statutory_findings


def statutory_compensation(
    price: Decimal | None, loss: Decimal | None, rules: Rules
) -> Decimal | None:
    """Ten times the price or three times the loss, whichever is larger, at least ¥1,000.
    None when neither price nor loss is known."""
    if price is None and loss is None:
        return None
    candidates = [rules.statutory_minimum]
    if price is not None:
        candidates.append(price * rules.statutory_price_multiple)
    if loss is not None:
        candidates.append(loss * rules.statutory_loss_multiple)
    return money(max(candidates))


def ours_by_default(cause: str, rules: Rules) -> bool | None:
    """Whether a root cause is the company's doing, unless the operator says otherwise."""
    if cause in rules.undetermined_causes:
        return None
    return cause not in rules.not_ours_causes
