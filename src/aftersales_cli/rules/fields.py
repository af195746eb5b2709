"""What a well-formed value of each intake and closing field looks like.

Pure. Each check returns the cleaned value or raises RuleError naming the field and what
is allowed; nothing reaches the database before it has passed here.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from aftersales_cli.rules.errors import RuleError

NAME_MAX = 200  # names, organisations, numbers, products, batches, people
TEXT_MAX = 2000  # description, request, notes, reasons
COUNT_MAX = 1_000_000  # quantities and people affected
MONEY_MAX = Decimal("10000000")  # ¥10 million: anything larger is a typing error
PHONE_DIGITS = (7, 20)
PHONE_MASKED = 4  # digits a masked phone hides, at least

CENT = Decimal("0.01")


def round_fen(value: Decimal) -> Decimal:
    """Yuan rounded to the fen."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_PHONE = r"^\+?[0-9 ()\-]+$"
# Yuan as people write it: digits, thousands separators only in whole groups of three
# (`1,800.50`; never `3,6` or `1,,000`), a decimal part, an optional ¥ or 元.
_MONEY = (
    r"(?i)^(?:¥|￥|rmb|cny)?\s*((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)\s*(?:元|yuan)?$"
)


def text(field: str, value: str, *, limit: int = NAME_MAX, multiline: bool = False) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise RuleError(field, "must not be empty")
    if len(cleaned) > limit:
        raise RuleError(field, f"at most {limit} characters (got {len(cleaned)})")
    if cleaned.isprintable():
        return cleaned  # no control, format, surrogate or private character: checked in C
    allowed = {"\n", "\t"} if multiline else set()
    for char in cleaned:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"} and char not in allowed:
            if unicodedata.category(char) == "Cf" and char in "\u200d\ufe0f":
                continue  # joiners inside emoji are fine
            raise RuleError(field, f"contains a control character (U+{ord(char):04X})")
    return cleaned


def optional_text(
    field: str, value: str | None, *, limit: int = NAME_MAX, multiline: bool = False
) -> str | None:
    return None if value is None else text(field, value, limit=limit, multiline=multiline)


def phone(value: str) -> str:
    cleaned = text("phone", value, limit=40)
    digits = sum(c.isdigit() for c in cleaned)
    low, high = PHONE_DIGITS
    if not re.match(_PHONE, cleaned) or not low <= digits <= high:
        raise RuleError(
            "phone", f"{low}-{high} digits, optionally with +, spaces, - and parentheses"
        )
    return cleaned


def count(field: str, value: int | None, *, minimum: int = 0) -> int | None:
    if value is None:
        return None
    if not minimum <= value <= COUNT_MAX:
        raise RuleError(field, f"a whole number from {minimum} to {COUNT_MAX:,}")
    return value


def amount(field: str, value: str | None, *, positive: bool = False) -> Decimal | None:
    """Yuan as typed (`120`, `120.50`, `¥1,200`), exact to the fen."""
    if value is None:
        return None
    match = re.match(_MONEY, value.strip())
    allowed = f"an amount in yuan from {'0.01' if positive else '0'} to {MONEY_MAX:,}"
    if not match:
        raise RuleError(field, f"{allowed}, like 120, 120.50 or 1,800.50")
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise RuleError(field, allowed) from None
    if number > MONEY_MAX or (positive and number <= 0):
        raise RuleError(field, allowed)
    if number != round_fen(number):
        raise RuleError(field, f"{allowed}, with at most 2 decimals")
    return round_fen(number)


def satisfaction(value: int) -> int:
    if not 1 <= value <= 5:
        raise RuleError("satisfaction", "a score from 1 (very unsatisfied) to 5 (very satisfied)")
    return value


def phone_key(value: str) -> str:
    """The digits that identify a phone, so `138 1234 5678`, `+86 13812345678` and
    `0086-138-1234-5678` match: China's country code (`+86`, `0086`, or `86` before an
    11-digit mobile) is dropped, and a landline dialled from abroad (`+86 10 6552 1234`)
    gets back its trunk 0 (`010 6552 1234`). Other countries' numbers keep every digit."""
    digits = "".join(c for c in value if c.isdigit())
    if digits.startswith("0086"):
        national = digits[4:]
    elif value.lstrip(" (").startswith("+86") or (len(digits) == 13 and digits.startswith("861")):
        national = digits[2:]
    else:
        return digits
    if not national or national.startswith("0"):
        return national or digits  # the trunk 0 typed anyway
    if national.startswith("1") and not national.startswith("10"):
        return national  # a mobile (none starts with 10, Beijing's area code)
    return "0" + national


def client_key(value: str | None) -> str | None:
    """How two spellings of one client's name are matched (until clients are registered):
    Unicode NFKC, casefolded, trimmed, inner runs of spaces made one. None when there is no
    name."""
    if value is None:
        return None
    key = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return key or None


def mask_phone(value: str) -> str:
    """`138****5678`: enough to recognise a caller, not enough to call them — at least
    four digits hidden, so a short landline is `****5678` and a seven-digit one
    `****567`, never whole."""
    digits = phone_key(value)
    if len(digits) < 7:
        return "*" * len(digits)
    hidden = max(PHONE_MASKED, len(digits) - 7)
    tail = min(4, len(digits) - hidden)
    head = len(digits) - hidden - tail
    return f"{digits[:head]}{'*' * hidden}{digits[len(digits) - tail :]}"
