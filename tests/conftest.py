"""Every test runs against its own database file in tmp_path, a pinned clock and zone,
and a fake home: no test can touch real data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from aftersales_cli.cli import app

NOW = "2026-11-22 10:00"  # a Sunday: a general complaint's clocks start Monday 08:00

# Every clock 24/7. The defaults count the general and non-urgent clocks in working time
# (DECISIONS §14); a test about clock arithmetic itself runs on this instead.
TWENTY_FOUR_SEVEN = """\
[deadlines.business_time]
urgent = []
general = []
non_urgent = []
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("AFTERSALES_DB", str(tmp_path / "aftersales.db"))
    monkeypatch.setenv("AFTERSALES_NOW", NOW)
    monkeypatch.setenv("AFTERSALES_TZ", "Asia/Shanghai")
    monkeypatch.setenv("AFTERSALES_OPERATOR", "tester")
    monkeypatch.setenv("AFTERSALES_DEBUG", "1")  # a bug raises instead of exit 70
    monkeypatch.delenv("AFTERSALES_RULES", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # a width would fit piped views to it
    yield


@pytest.fixture
def twenty_four_seven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every command of the test runs with every clock 24/7 (AFTERSALES_RULES); the rules
    file's path."""
    path = tmp_path / "twenty-four-seven.toml"
    path.write_text(TWENTY_FOUR_SEVEN, encoding="utf-8")
    monkeypatch.setenv("AFTERSALES_RULES", str(path))
    return path


@pytest.fixture
def thursday(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock on Thursday 2026-11-19 at 10:00, in working hours, for a test about
    something else than the clocks: there a general complaint's hours count as plain
    hours do."""
    monkeypatch.setenv("AFTERSALES_NOW", "2026-11-19 10:00")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "aftersales.db"


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke `aftersales ARGS...`; `now=` pins the clock for this one call."""

    def invoke(
        *args: str,
        now: str | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> Result:
        merged = dict(env or {})
        if now is not None:
            merged["AFTERSALES_NOW"] = now
        return CliRunner().invoke(app, list(args), env=merged, input=input)

    return invoke


BASIC = ("--channel", "online", "--customer", "张伟", "--phone", "13812345678")
# The plainest close: refunded, our own processing, nothing found that fines.
REFUNDED = ("--remedy", "refund", "--cause", "processing")


def closed(run: Run, cid: str = "1", *extra: str, now: str | None = None) -> dict[str, Any]:
    """Close complaint `cid` the plainest way (more options in `extra`); its JSON."""
    data: dict[str, Any] = ok(run("close", cid, *REFUNDED, *extra, "--json", now=now))
    return data


def revisited(run: Run, cid: str, score: int, *, now: str | None = None) -> dict[str, Any]:
    """The follow-up call with a satisfaction `score` (1–2 reopens); its JSON."""
    data: dict[str, Any] = ok(run("revisit", cid, "--satisfaction", str(score), "--json", now=now))
    return data


@pytest.fixture
def log(run: Run) -> Callable[..., dict[str, Any]]:
    """Log a complaint and return its JSON; extra options as keyword arguments."""

    def make(
        description: str = "米饭偏硬，口感不好", *args: str, now: str | None = None, **options: str
    ) -> dict[str, Any]:
        argv = ["log", description, *BASIC]
        for key, value in options.items():
            argv += [f"--{key.replace('_', '-')}", value]
        result = run(*argv, *args, "--json", now=now)
        assert result.exit_code == 0, result.stderr
        data: dict[str, Any] = json.loads(result.stdout)
        return data

    return make


def complaint_records(text: str) -> list[dict[str, Any]]:
    """The complaints of a JSON Lines export (the clients and survey responses that follow
    them left out)."""
    records = [json.loads(line) for line in text.split("\n") if line]
    return [r for r in records if "client" not in r and "survey_response" not in r]


def ok(result: Result) -> Any:
    """Exit 0; the JSON it printed, if it printed JSON."""
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    if not result.stdout.lstrip().startswith(("{", "[")):
        return {}
    return json.loads(result.stdout)


def refused(result: Result, *words: str, code: int = 2) -> str:
    """Exit 2 (or `code`), one line on stderr naming what was wrong, nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    message = result.stderr.strip()
    assert message.startswith("error: "), message
    assert "\n" not in message, message
    assert "Traceback" not in result.output
    for word in words:
        assert word in message, (word, message)
    return message
