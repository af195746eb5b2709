"""Output: the only place that knows how things look.

`blocks` is the view model (headings, field lists, tables, lines), `text` renders it as
plain text for pipes, files and cron mail, `console` as Rich for a terminal (the only
importer of Rich), `output` picks one and prints JSON, and `records` turns complaints
into blocks and into the stable JSON of the output contract.
"""
