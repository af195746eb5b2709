"""`aftersales demo` builds a realistic database from the embedded scenario."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from conftest import Run, ok, refused

from aftersales_cli.rules.taxonomy import CATEGORIES, CHANNELS

SPOTLIGHT = re.compile(r"One case in full \(aftersales show (\d+)\)")


@pytest.fixture
def demo_stdout(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    result = run("demo")
    assert result.exit_code == 0, result.stderr
    assert "Built aftersales-demo.db" in result.stdout
    assert "Needing attention" in result.stdout
    assert "What cron would report (aftersales overdue)" in result.stdout
    assert "The quarter's review (aftersales report --quarter" in result.stdout
    assert "Key figures against targets" in result.stdout
    return result.stdout


@pytest.fixture
def demo_db(demo_stdout: str, tmp_path: Path) -> Path:
    return tmp_path / "aftersales-demo.db"


def test_demo_covers_every_category_channel_and_status(run: Run, demo_db: Path) -> None:
    cases = ok(run("list", "--all", "--json", "--db", str(demo_db)))
    assert 30 <= len(cases) <= 60
    assert {c["category"] for c in cases} == set(CATEGORIES.keys())
    assert {c["channel"] for c in cases} == set(CHANNELS.keys())
    statuses = Counter(c["status"] for c in cases)
    assert set(statuses) == {"new", "classified", "assigned", "closed", "revisited", "reopened"}
    states = Counter(d["state"] for c in cases for d in c["deadlines"].values())
    assert states["breached"] and states["pending"] and states["met"]
    offences = sorted(c["penalty"]["offence"] for c in cases if c["penalty"])
    assert offences[:3] == [1, 2, 3]
    assert any(c["incident"] for c in cases)
    assert any(c["reopen_count"] for c in cases)
    english = [c for c in cases if c["description"].isascii()]
    assert 0 < len(english) < len(cases)


def test_demo_overdue_finds_late_cases(run: Run, demo_db: Path) -> None:
    assert run("overdue", "--db", str(demo_db)).exit_code == 1


def test_demo_is_replayed_through_the_lifecycle(demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)
    actions = {row[0] for row in conn.execute("SELECT DISTINCT action FROM events")}
    assert {"log", "classify", "close", "revisit"} <= actions
    assert conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone() == ("1",)


def test_demo_rebuilds_its_own_file_but_never_another(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    assert run("demo").exit_code == 0
    mine = tmp_path / "cases.db"
    ok(
        run(
            "log",
            "x",
            "--channel",
            "online",
            "--customer",
            "a",
            "--phone",
            "13800000000",
            "--db",
            str(mine),
        )
    )
    before = mine.read_bytes()
    refused(run("demo", "--db", str(mine)), "db", "not a demo database")
    assert mine.read_bytes() == before
    assert not list(tmp_path.glob(".*building*"))


@pytest.mark.parametrize("now", ["2026-01-01 00:05", "2026-07-01 09:00", "2027-02-28 23:59"])
def test_demo_works_at_any_moment(run: Run, tmp_path: Path, now: str) -> None:
    result = run("demo", "--db", str(tmp_path / f"{now[:4]}.db"), now=now)
    assert result.exit_code == 0, result.stderr


def _section(stdout: str, heading: str, following: str) -> str:
    start = stdout.index(heading)
    return stdout[start : stdout.index(following, start)]


def test_the_case_in_full_has_its_correction_action_and_lab_report(demo_stdout: str) -> None:
    """The spotlight: the phone mistyped at intake corrected after the call back (and
    the hospital visit learnt then), QC's corrective action done by the kitchen and
    verified by QC, the lab report kept with the case, the illness details."""
    spotlight = _section(demo_stdout, "One case in full", "What cron would report")
    plain = " ".join(spotlight.split())
    assert "edit phone 13641857526 → 13641875526; hospital no → yes — 回拨" in plain
    assert "2 affected, ill, saw a doctor" in plain
    assert "symptoms 腹痛、腹泻" in plain
    assert "eaten 鸡块每人四五块" in plain
    assert "Corrective actions (整改)" in spotlight
    assert "production 生产 生产部刘师傅 2026-11-19 11:40" in plain
    assert "done 2026-11-18 08:40 · verified 2026-11-20 12:40" in plain
    assert "action 1 verified — 抽查三天装箱记录" in plain
    assert "Attachments (aftersales attachment ID N --out FILE)" in spotlight
    assert "attachment 1 — SY-2307留样检测报告.pdf (application/pdf, 720 B)" in plain


def test_the_late_corrective_action_is_in_what_cron_would_report(
    run: Run, demo_stdout: str, demo_db: Path
) -> None:
    shown = _section(demo_stdout, "What cron would report", "The quarter's review")
    late = [line for line in shown.splitlines() if "action 3" in line]
    assert len(late) == 1 and "16 h late" in late[0] and "王护士长" in late[0]
    listed = ok(run("action", "list", "--late", "--json", "--db", str(demo_db)))
    assert [(a["id"], a["owner"], a["department"], a["state"]) for a in listed] == [
        (3, "洗消间赵组长", "production", "open")
    ]
    everything = ok(run("action", "list", "--json", "--db", str(demo_db)))
    assert [a["state"] for a in everything] == ["verified", "open", "open"]
    assert not everything[0]["late"]
    # the survey's low delivery score has its improvement measure, not late yet
    assert (everything[1]["survey_aspect"], everything[1]["late"]) == ("delivery", False)


def test_the_illness_cases_carry_their_details(run: Run, demo_db: Path) -> None:
    cases = ok(run("list", "--all", "--json", "--db", str(demo_db)))
    ill = [c for c in cases if c["ill"]]
    assert len(ill) == 4
    for case in ill:
        assert case["symptoms"] and case["eaten"] and case["onset_at"] < case["received_at"]
    assert sum(c["hospital"] for c in ill) == 2  # the factory's six, the two pupils


def test_the_lab_report_is_a_real_pdf(
    run: Run, demo_stdout: str, demo_db: Path, tmp_path: Path
) -> None:
    """Written back as the operator would, it is the PDF the scenario ships: its
    SHA-256 as recorded, and its cross-reference table pointing at its objects."""
    match = SPOTLIGHT.search(demo_stdout)
    assert match
    out = tmp_path / "report.pdf"
    db = ("--db", str(demo_db))
    ok(run("attachment", match.group(1), "1", "--out", str(out), "--json", *db))
    content = out.read_bytes()
    shown = ok(run("show", match.group(1), "--json", *db))["attachments"]
    assert shown[0]["sha256"] == hashlib.sha256(content).hexdigest()
    assert shown[0]["type"] == "application/pdf"
    assert content.startswith(b"%PDF-1.") and content.rstrip().endswith(b"%%EOF")
    xref = int(content.rsplit(b"startxref", 1)[1].split()[0])
    table = content[xref:].split(b"trailer")[0].split(b"\n")
    assert table[0] == b"xref"
    count = int(table[1].split()[1])
    for number, row in enumerate(table[3 : 2 + count], start=1):
        offset = int(row.split()[0])
        assert content[offset:].startswith(b"%d 0 obj" % number)
    assert b"Total plate count" in content


def test_the_quarters_review_counts_illness_and_corrective_actions(demo_stdout: str) -> None:
    review = " ".join(_section(demo_stdout, "The quarter's review", "Try").split())
    assert "Illness (policy 003): 4 case(s), 11 people affected, 2 hospital visit(s)" in review
    assert "华鑫电子厂食堂 1 6 1" in review
    assert "Corrective actions (整改) opened in the period, by department" in review
    assert "production 生产 2 1 1 1 1" in review


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"do": "edit", "phone": "12", "reason": "回拨核实"}, "phone"),
        ({"do": "edit", "phone": "13641875526"}, "reason"),
        ({"do": "action add", "text": "改进", "dept": "warehouse", "due": "+1d"}, "department"),
        ({"do": "attach", "file": "lab-report-SY-2307.pdf", "note": "x" * 5000}, "note"),
    ],
)
def test_a_scenario_step_is_checked_as_its_command(
    tmp_path: Path, step: dict[str, object], field: str
) -> None:
    """The demo's steps go through the commands' parser: a bad one is refused naming
    the field, as the command would."""
    from aftersales_cli.commands.context import session
    from aftersales_cli.commands.demo import replay
    from aftersales_cli.errors import BadInput
    from aftersales_cli.rules.errors import RuleError

    entry = {
        "received": "-1d 12:00",
        "channel": "hotline",
        "customer": "刘老师",
        "phone": "13641857526",
        "description": "鸡块有酸味",
        "steps": [{"at": "+1h", **step}],
    }
    with (
        session(None, db=str(tmp_path / "d.db")) as s,
        pytest.raises((BadInput, RuleError)) as refused,
    ):
        replay(s, json.dumps(entry, ensure_ascii=False))
    assert refused.value.field == field


def test_the_case_in_full_shows_policy_004s_loop_and_the_call_notes(
    run: Run, demo_db: Path
) -> None:
    spotlight = next(
        c
        for c in ok(run("list", "--all", "--json", "--db", str(demo_db)))
        if c["customer"] == "刘老师"
    )
    case = ok(run("show", str(spotlight["id"]), "--json", "--db", str(demo_db)))
    states = {m: d["state"] for m, d in case["deadlines"].items()}
    assert [states[m] for m in ("forward", "sample", "lab_report", "confirm")] == ["met"] * 4
    calls = [e for e in case["events"] if e["action"] == "note"]
    assert len(calls) == 2 and all(e["changes"]["note.kind"] == [None, "call"] for e in calls)
    assert case["last_note_at"] == calls[-1]["at"]
    # QC's lab report, still to come on the open LN-2207 case, is what cron reports late
    result = run("overdue", "--json", "--db", str(demo_db))
    assert result.exit_code == 1  # something is overdue
    late = json.loads(result.stdout)
    assert any(r["milestone"] == "lab_report" and r["customer"] == "邓主任" for r in late)


def test_each_command_to_try_fits_80_columns_and_runs_as_printed(
    run: Run, demo_stdout: str, tmp_path: Path
) -> None:
    """The "Try" commands are broken with ` \\` between words so that no line passes column
    80 (a terminal broke `--html report.html` and `--customer 李女士` across lines, and a
    line copied alone ran without the rest); joined again, each runs as printed."""
    import shlex

    from aftersales_cli.render.cells import width

    shown = demo_stdout.split("\nTry\n", 1)[1].splitlines()
    assert shown and all(width(line) <= 80 for line in shown), shown
    commands = " ".join(line.strip() for line in shown).replace(" \\ ", " ").split("$ ")[1:]
    assert len(commands) == 7, commands
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "aftersales"
        result = run(*argv[1:])
        assert result.exit_code == 0, (command, result.stderr)


def test_the_readme_names_the_attachment_the_demo_keeps(demo_stdout: str) -> None:
    """The README's set-up paragraph quotes the demo's `attachment ID 1` command; it said
    27 while the demo kept the lab report with case 29."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"attachment (\d+) 1 --out report\.pdf", " ".join(readme.split()))
    shown = re.search(r"attachment (\d+) 1 --out report\.pdf", demo_stdout)
    assert quoted and shown and quoted.group(1) == shown.group(1), (quoted, shown)
