"""The use case of evidence: `attach` a file to a complaint — the file, its history entry
and the breaches the case already has, in one transaction."""

from __future__ import annotations

import json
from typing import NamedTuple

from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk, on_case
from aftersales_cli.rules.attachments import Attachment, summary
from aftersales_cli.rules.case import Case
from aftersales_cli.store import attachments, events


class Attached(NamedTuple):
    """The complaint (as settled when the file was kept) and what was stored."""

    case: Case
    attachment: Attachment


def attach(desk: Desk, command: cmd.Attach) -> Attached:
    """Keep a file with a complaint at any status, under the case's next number; the
    history says `attach` with that number, the file's name, type and size, and the
    note."""
    with on_case(desk, command.complaint_id) as (conn, _, case):
        attachment = attachments.add(
            conn,
            command.complaint_id,
            name=command.name,
            type_=command.type,
            sha256=command.sha256,
            content=command.content,
            by=desk.operator,
            at=desk.now,
            note=command.note,
        )
        note = "; ".join(part for part in (summary(attachment), command.note) if part)
        events.append(
            conn,
            command.complaint_id,
            desk.now,
            desk.operator,
            "attach",
            json.dumps({"attachment": [None, attachment.number]}),
            note,
        )
    return Attached(case, attachment)
