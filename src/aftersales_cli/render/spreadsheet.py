"""Cells for CSV files that a spreadsheet opens: the one rule for the report's CSV files
and for `export --csv`, and its inverse for `import`.

Text a spreadsheet would run as a formula (OWASP's list for CSV injection: customer-typed
org names, say) gets a leading apostrophe. Text that already starts with apostrophes
before such a character gets one more, so that `csv_text` gives back exactly what was
written: `'=1+1` is written `''=1+1`, never confused with a neutralised `=1+1`.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell as written: numbers stay plain numbers (rates stay fractions), booleans
    `true`/`false`, nothing empty, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def _needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and _needs_quote(text[1:]))


def csv_text(value: str) -> str:
    """Undo `csv_cell`'s neutralising quote."""
    return value[1:] if value.startswith("'") and _needs_quote(value[1:]) else value
