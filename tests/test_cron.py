"""examples/crontab and the README's cron lines run under cron: each job is run as cron
runs it — `/bin/sh -c` in HOME, with only what cron provides (PATH=/usr/bin:/bin, no
terminal, no locale) plus what the crontab sets, `%` read as cron reads it — against the
installed console script, after the README's substitution of @AFTERSALES_BIN@."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from installed import bare_env, script_folder

ROOT = Path(__file__).resolve().parents[1]
CRONTAB = ROOT / "examples" / "crontab"
README = ROOT / "README.md"
PLACEHOLDER = "@AFTERSALES_BIN@"
# What the README tells the user to run, in the shell where they installed the tool.
FILL_IN = 'sed "s|@AFTERSALES_BIN@|$(dirname "$(command -v aftersales)")|" examples/crontab'

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_JOB = re.compile(r"^(@\w+|(?:\S+\s+){4}\S+)\s+(.+)$")
# A job line as people write them: five time fields of digits, `*`, `/`, `,`, `-` (the
# last two may be names: mon, jan) or an @keyword, then the command.
_SCHEDULED = re.compile(r"^(@[a-z]+|(?:[\d*/,-]+\s+){3}(?:[\w*/,-]+\s+){2})\S")


@dataclass
class Crontab:
    env: dict[str, str]
    jobs: list[str]


def parse(text: str) -> Crontab:
    """A crontab as crontab(5) reads it: `NAME = value` lines (quotes around the value
    dropped) and `schedule command` lines; comments and blank lines skipped."""
    env: dict[str, str] = {}
    jobs: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if assignment := _ASSIGNMENT.match(line):
            value = assignment.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[assignment.group(1)] = value
        else:
            job = _JOB.match(line)
            assert job, f"neither a variable nor a job: {line!r}"
            jobs.append(job.group(2))
    return Crontab(env, jobs)


def cron_command(command: str) -> tuple[str, str]:
    """The shell command and its standard input, as cron splits a job: `\\%` is a `%`,
    the first other `%` starts the input and each later one is a new line in it."""
    parts = re.split(r"(?<!\\)%", command)
    shell = parts[0].replace("\\%", "%")
    stdin = "\n".join(p.replace("\\%", "%") for p in parts[1:])
    return shell, stdin


def installed_crontab(home: Path) -> Crontab:
    """examples/crontab as the README has the user fill it in, with /srv/ moved under
    the test's folder (its folders made, as the crontab's comments say)."""
    filled = subprocess.run(
        ["/bin/sh", "-c", FILL_IN],
        cwd=ROOT,
        env=bare_env(home, PATH=f"{script_folder()}:/usr/bin:/bin"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert PLACEHOLDER not in filled
    srv = home / "srv"
    (srv / "backups").mkdir(parents=True, mode=0o700)
    return parse(filled.replace("/srv/", f"{srv}/"))


def run_job(home: Path, tab: Crontab, command: str, **extra: str) -> tuple[int, str]:
    """One job run as cron runs it; its exit status and everything it printed (what
    cron would mail)."""
    shell, stdin = cron_command(command)
    done = subprocess.run(
        ["/bin/sh", "-c", shell],
        cwd=home,
        env=bare_env(home, **tab.env, **extra),
        input=stdin.encode(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
    )
    return done.returncode, done.stdout.decode("utf-8", "replace")


def job(tab: Crontab, start: str) -> str:
    found = [j for j in tab.jobs if j.startswith(start)]
    assert len(found) == 1, tab.jobs
    return found[0]


def log_late_complaint(home: Path, tab: Crontab) -> None:
    """An urgent complaint logged two days ago (the real clock: cron's jobs run on it),
    through the installed script."""
    two_days_ago = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    code, out = run_job(
        home,
        tab,
        "aftersales log 孩子吃完呕吐 --channel hotline --customer 周先生"
        " --phone 13600000002 --org 实验小学 --category illness --ill",
        AFTERSALES_NOW=two_days_ago,
        AFTERSALES_TZ="UTC",
    )
    assert code == 0, out


def assert_ran(out: str) -> None:
    assert "not found" not in out
    assert "Traceback" not in out


def in_code_blocks(lines: list[str]) -> list[str]:
    inside = False
    found: list[str] = []
    for line in lines:
        if line.strip().startswith("```"):
            inside = not inside
        elif inside:
            found.append(line)
    return found


# ---- the file and the README --------------------------------------------------------


def test_the_crontab_sets_path_to_a_placeholder_the_readme_explains() -> None:
    tab = parse(CRONTAB.read_text(encoding="utf-8"))
    assert tab.env["PATH"] == f"{PLACEHOLDER}:/usr/bin:/bin"
    assert {"AFTERSALES_DB", "AFTERSALES_OPERATOR"} <= tab.env.keys()
    readme = README.read_text(encoding="utf-8")
    assert FILL_IN in readme
    assert FILL_IN in CRONTAB.read_text(encoding="utf-8")


def test_every_cron_line_of_the_readme_is_in_the_crontab() -> None:
    """So that running examples/crontab runs them all, with the PATH that finds
    aftersales; and the README's copy of the crontab is the file's lines."""
    readme = README.read_text(encoding="utf-8").splitlines()
    tab = parse(CRONTAB.read_text(encoding="utf-8"))
    plain = [line.strip() for line in CRONTAB.read_text(encoding="utf-8").splitlines()]
    cron_lines = [line.strip() for line in in_code_blocks(readme) if _SCHEDULED.match(line.strip())]
    assert len(cron_lines) >= 3  # the crontab's two jobs, and the backup again in "Your data"
    for line in cron_lines:
        assert line in plain, f"README cron line not in examples/crontab: {line}"
    start = readme.index("Its lines, without the comments:")
    block = readme[start + 3 : readme.index("```", start + 3)]
    assert block == [ln for ln in plain if ln and not ln.startswith("#")]
    assert len(tab.jobs) == 2


def test_cron_alone_does_not_find_aftersales(tmp_path: Path) -> None:
    """What the PATH line is for (the issue: `aftersales: not found`, exit 127)."""
    if Path("/usr/bin/aftersales").exists() or Path("/bin/aftersales").exists():
        pytest.skip("aftersales is installed where cron looks anyway")
    tab = parse(CRONTAB.read_text(encoding="utf-8"))
    code, out = run_job(tmp_path, tab, job(tab, "aftersales overdue"))
    assert code == 127
    assert "aftersales: not found" in out


def test_cron_reads_percent_as_cron_does() -> None:
    assert cron_command("backup x-$(date +\\%F).db") == ("backup x-$(date +%F).db", "")
    assert cron_command("mail -s hi root%line 1%line 2") == ("mail -s hi root", "line 1\nline 2")


# ---- the jobs, run --------------------------------------------------------------------


@pytest.mark.parametrize(
    "locale",
    [
        {},  # cron's: no locale at all
        {"LANG": "C"},
        {"LC_ALL": "C"},
        {"LC_ALL": "C", "PYTHONUTF8": "0"},  # a Python told not to use UTF-8: ASCII output
    ],
    ids=["no-locale", "LANG=C", "LC_ALL=C", "ascii"],
)
def test_overdue_job_mails_what_is_late(tmp_path: Path, locale: dict[str, str]) -> None:
    tab = installed_crontab(tmp_path)
    log_late_complaint(tmp_path, tab)
    code, out = run_job(tmp_path, tab, job(tab, "aftersales overdue"), **locale)
    assert_ran(out)
    assert code == 1, out  # the documented exit status: something is overdue
    assert "ESCALATE" in out
    if locale.get("PYTHONUTF8") == "0":
        assert out.isascii() and "\\u5468\\u5148\\u751f" in out  # 周先生, escaped, not a crash
    else:
        assert "周先生" in out and "实验小学" in out
    # The run wrote its breach events with the crontab's operator.
    with sqlite3.connect(tmp_path / "srv" / "aftersales" / "aftersales.db") as conn:
        by = {row[0] for row in conn.execute("SELECT by FROM events WHERE action = 'breached'")}
    assert by == {"cron"}


def test_overdue_job_says_nothing_when_nothing_is_late(tmp_path: Path) -> None:
    tab = installed_crontab(tmp_path)
    code, out = run_job(tmp_path, tab, job(tab, "aftersales overdue"))
    assert (code, out) == (0, "")


def test_nightly_backup_job_writes_a_dated_verified_copy(tmp_path: Path) -> None:
    tab = installed_crontab(tmp_path)
    log_late_complaint(tmp_path, tab)
    code, out = run_job(tmp_path, tab, job(tab, "aftersales backup"))
    assert_ran(out)
    assert (code, out) == (0, "")  # backup's line goes to /dev/null, check is silent when well
    copies = list((tmp_path / "srv" / "backups").iterdir())
    assert len(copies) == 1
    assert re.fullmatch(r"aftersales-\d{4}-\d{2}-\d{2}\.db", copies[0].name)
    assert copies[0].stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(f"file:{copies[0]}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT customer FROM complaints").fetchall() == [("周先生",)]
    # Run again the same night: a backup never overwrites, and cron mails why.
    code, out = run_job(tmp_path, tab, job(tab, "aftersales backup"))
    assert code == 2
    assert "never overwrites" in out
    assert_ran(out)
