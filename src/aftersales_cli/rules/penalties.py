"""Penalties and compensation (POLICY.md §5, seed 001 §6–7, Food Safety Law art. 148).

Pure. Offences are numbered per supply event over a client's fined events
(`rules.ledger`); this module says which closes fine, what statutory compensation is
suggested, and which department a cause charges.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import Refused
from aftersales_cli.rules.fields import round_fen
from aftersales_cli.rules.taxonomy import DEFECT_FINDINGS, EXCHANGE_REMEDIES


def multiplier(offence: int, rules: Rules) -> Decimal:
    """×2 the first time, ×3 the second, ×10 the third and later (by default)."""
    return on_the_ladder(offence, rules.penalties.ladder)


def on_the_ladder(offence: int, ladder: Sequence[Decimal]) -> Decimal:
    """The multiplier of an offence on a ladder (the last step holds for the rest)."""
    if offence < 1:
        raise ValueError("offences are numbered from 1")
    return ladder[min(offence, len(ladder)) - 1]


def is_penalty_finding(finding: str | None, ours: bool | None, rules: Rules) -> bool:
    return finding in rules.penalties.findings and ours is True


def is_incident(finding: str | None, ours: bool | None, rules: Rules) -> bool:
    """Toxic food (or pathogens) confirmed as ours: a possible food-safety incident."""
    return finding in rules.penalties.incident_findings and ours is True


def staff_fine(category: str, ours: bool | None, staff: str | None, rules: Rules) -> Decimal | None:
    """¥50 charged to a named staff member for misconduct at a client's premises."""
    if staff and ours is True and category in rules.penalties.staff_fine_categories:
        return round_fen(rules.penalties.staff_fine)
    return None


class Statutory(NamedTuple):
    """The statutory compensation suggested for a food-safety case: per affected person
    max(10 × price, 3 × loss, ¥1,000), beside the loss itself (owed besides)."""

    people: int
    per_person: Decimal
    total: Decimal
    loss: Decimal | None  # everyone's loss together, when known


def is_statutory_case(category: str, finding: str | None, ours: bool | None, rules: Rules) -> bool:
    """A food-safety or illness case whose finding is on the defect list (or a foreign
    object) and that is ours."""
    return (
        category in rules.statutory.categories
        and finding in rules.statutory.findings
        and ours is True
    )


def statutory_compensation(
    people: int, price: Decimal | None, loss: Decimal | None, rules: Rules
) -> Statutory:
    """Per person the larger of ten times the price and three times the loss, at least
    ¥1,000; `price` and `loss` are per person."""
    candidates = [rules.statutory.minimum]
    if price is not None:
        candidates.append(price * rules.statutory.price_multiple)
    if loss is not None:
        candidates.append(loss * rules.statutory.loss_multiple)
    each = round_fen(max(candidates))
    return Statutory(
        people=people,
        per_person=each,
        total=round_fen(each * people),
        loss=None if loss is None else round_fen(loss * people),
    )


def require_exchange(finding: str | None, ours: bool | None, remedies: tuple[str, ...]) -> None:
    """`001 §6`: a finding on the defect list obliges an exchange or a return (unless the
    close says it was not ours)."""
    if finding in DEFECT_FINDINGS and ours is not False:
        if not set(remedies) & set(EXCHANGE_REMEDIES):
            raise Refused(
                "remedy",
                f"a {finding} finding obliges an unconditional exchange or return "
                f"(001 §6: 无条件退换): add --remedy {' / '.join(EXCHANGE_REMEDIES)} "
                "as the customer chooses, or --not-ours",
            )


def responsible_department(cause: str | None, handled_by: str | None, rules: Rules) -> str | None:
    """The department the monthly review charges: the cause's (001 §五), else the one that
    handled the case."""
    return rules.responsibility.causes.get(cause or "", handled_by)


def ours_by_default(cause: str, rules: Rules) -> bool | None:
    """Whether a root cause is the company's doing, unless the operator says otherwise."""
    if cause in rules.causes.undetermined:
        return None
    return cause not in rules.causes.not_ours
