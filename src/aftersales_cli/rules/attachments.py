"""Evidence kept with a case — photos, video stills, lab reports, scans: what an
attachment is, what its type is (read from its first bytes, never from its name), and
the name it is kept under.

Pure: the shell reads the file and hands the bytes here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import NamedTuple

from aftersales_cli.rules.fields import NAME_MAX

OCTET_STREAM = "application/octet-stream"
# HEIF brands (ISO/IEC 23008-12): a still image or sequence coded with HEVC is HEIC.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
# Every type `sniff` can give (what `import` accepts).
TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/tiff",
    "application/pdf",
    OCTET_STREAM,
)
SNIFF_BYTES = 16  # how much of the start `sniff` needs


class Attachment(NamedTuple):
    """A file kept with a complaint, numbered from 1 within it (`content` is stored
    beside it, never carried here)."""

    complaint_id: int
    number: int
    name: str
    type: str
    size: int
    sha256: str
    by: str
    at: datetime
    note: str | None


def sniff(head: bytes) -> str:
    """The media type of a file by its first bytes (its magic number): JPEG, PNG, GIF,
    WebP, HEIC/HEIF, TIFF or PDF; anything else is `application/octet-stream`."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        if head[8:12] in _HEIC_BRANDS:
            return "image/heic"
        if head[8:12] in _HEIF_BRANDS:
            return "image/heif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return OCTET_STREAM


FALLBACK_NAME = "attachment"
_SEPARATORS = r"[/\\]"


def clean_name(given: str) -> str:
    """The name a file is kept under: the base name of what was given (after the last
    `/` or `\\`), without control, format or bidi characters (a separator of another
    kind becomes a space), trimmed, at most NAME_MAX characters with its extension kept;
    `attachment` when nothing is left."""
    base = re.split(_SEPARATORS, given)[-1]
    kept = []
    for char in base:
        kind = unicodedata.category(char)
        if kind.startswith("C"):
            continue
        kept.append(" " if kind.startswith("Z") else char)
    name = "".join(kept).strip()
    if name in ("", ".", ".."):
        return FALLBACK_NAME
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 16:
            name = stem[: NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX]
    return name


def size_text(size: int) -> str:
    """`512 B`, `12.3 KiB`, `4.0 MiB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def summary(attachment: Attachment) -> str:
    """`photo.jpg (image/jpeg, 12.3 KiB)`: how the history names what was attached."""
    return f"{attachment.name} ({attachment.type}, {size_text(attachment.size)})"
