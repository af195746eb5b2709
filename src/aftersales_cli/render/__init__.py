"""Output: the only place that knows how things look.

`blocks` is the view model (headings, field lists, tables, lines), `text` renders it as
plain text for pipes, files and cron mail, `console` as Rich for a terminal (the only
importer of Rich), `output` picks one and prints JSON. `records` turns complaints into
blocks; `record_json` into the stable JSON of the output contract.
"""


def holds_unicode(stream: object) -> bool:
    """Whether `stream` can write any character (a UTF encoding). Here, not in `output`,
    so that the start of every command can ask it for the price of no import."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding.replace("_", "").startswith("utf")
