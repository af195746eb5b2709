"""What a terminal shows of a text, and nothing else: the text made harmless (`clean`),
measured in the cells a terminal gives it (`width`: a Chinese character takes two) and
wrapped to a width (`wrap`: Chinese breaks between any two characters, never before its
closing punctuation). Cheap to import — `--help` wraps with it — so it needs nothing but
the standard library: the views (`text`, `layout`, `console`) build on it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import groupby

Measure = Callable[[str], int]

# What must never reach a terminal as it is: C0 and C1 control characters (escape
# sequences start with ESC or CSI; BEL ends some), DEL, lone surrogates, and the bidi
# controls that reorder what the reader sees. Newline and tab are kept where layout
# allows (`keep`); everything else becomes a visible escape such as `\x1b` or `\u202e`.
_UNSAFE = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_UNSAFE_ALL = r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, *, keep: bool = True) -> str:
    """`text` made harmless for a terminal or a plain-text file: control characters and
    bidi controls as visible escapes; newline and tab kept unless `keep` is False."""
    if text.isprintable() and (keep or "\t" not in text):
        return text  # the usual case, and cheap
    return re.sub(_UNSAFE if keep else _UNSAFE_ALL, _escape, text)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two. Measured with
    `unicodedata` (Rich's `cell_len` would import Rich, which a pipe never pays for)."""
    return len(text) if text.isascii() else _wide(text)


@lru_cache(maxsize=8192)
def _wide(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


CJK_WORD = 4

# Chinese punctuation that does not begin a line: it takes the character before it along.
_NO_START = set("，。、；：！？）」』》〉】”’…—,.;:!?)")


def units(line: str, measure: Measure) -> list[str]:
    """A line as units a line may break between: spaces, runs of narrow non-space
    characters (a word), and wide characters: Chinese breaks between any two, but a run
    of at most `CJK_WORD` of them (a label such as 质控 or 食品安全) is kept whole."""
    units: list[str] = []
    for kind, chars in groupby(line, lambda c: 0 if c == " " else measure(c)):
        run = "".join(chars)
        if kind == 0:
            units.extend(run)
        elif kind == 1 or len(run) <= CJK_WORD:
            units.append(run)
        else:
            units.extend(run)
    return units


def _fold(word: str, size: int, measure: Measure) -> list[str]:
    pieces, piece = [], ""
    for char in word:
        if piece and measure(piece + char) > size:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def _wrap_line(line: str, size: int, measure: Measure) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    used = 0
    for unit in units(line, measure):
        if unit == " ":
            if current:
                current.append(unit)
                used += 1
            continue
        size_of = measure(unit)
        if used + size_of <= size:
            current.append(unit)
            used += size_of
            continue
        spaced = bool(current) and current[-1] == " "
        while current and current[-1] == " ":
            current.pop()
        carried: list[str] = []
        if unit[0] in _NO_START and not spaced and len(current) > 1:
            carried = [current.pop()]  # punctuation never starts a line: its word goes too
            while current and current[-1] == " ":
                current.pop()
        if current:
            out.append("".join(current))
        current = carried
        used = sum(measure(u) for u in current)
        if used + size_of > size:
            *whole, rest = _fold("".join(current) + unit, size, measure)
            out.extend(whole)
            current, used = [rest], measure(rest)
        else:
            current.append(unit)
            used += size_of
    while current and current[-1] == " ":
        current.pop()
    if current or not out:
        out.append("".join(current))
    return out


def wrap(text: str, size: int, measure: Measure = width) -> list[str]:
    """`text` as lines at most `size` cells wide (at least one cell), made harmless
    (`clean`); its own line breaks kept, every character kept but the spaces a line
    ends on."""
    size = max(1, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = clean(paragraph.replace("\t", " ").rstrip(), keep=False)
        lines.extend(_wrap_line(paragraph, size, measure))
    return lines
