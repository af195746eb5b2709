"""The README's walkthrough is true: examples/walkthrough.sh runs every command the
sections "A case from call to revisit" and "Overdue, for cron" show, in their order, on an
empty database with a pinned clock, and the README shows what they print — cut only where
it says `…`, as the script's `# README shows:` and `# README cuts at:` comments choose.

    python3 tests/test_readme_walkthrough.py --update

rewrites those outputs in the README from a fresh run (after a view changed)."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from installed import bare_env, script_folder

from aftersales_cli.render.cells import width

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCRIPT = ROOT / "examples" / "walkthrough.sh"
SECTIONS = ("A case from call to revisit", "Overdue, for cron")
CUT = "…"

_RUN = re.compile(r"^run '([^']*)'$")
_SHOWS = re.compile(r"^# README shows: (.+)$")
_CUTS = re.compile(r"^# README cuts at: (\d+)$")


@dataclass
class Step:
    command: str
    shows: tuple[re.Pattern[str], ...] = ()
    cut_at: int | None = None


def steps(script: str) -> list[Step]:
    """The script's `run '…'` commands, each with the comments right below it."""
    found: list[Step] = []
    for line in script.splitlines():
        if run := _RUN.match(line):
            found.append(Step(run.group(1)))
        elif found and (shows := _SHOWS.match(line)):
            found[-1].shows += (re.compile(shows.group(1)),)
        elif found and (cuts := _CUTS.match(line)):
            found[-1].cut_at = int(cuts.group(1))
    return found


def run_script(folder: Path) -> str:
    """The script's transcript, run as a user would: in a shell, with the installed
    `aftersales` on PATH and a database that does not exist yet."""
    env = bare_env(
        folder,
        PATH=f"{script_folder()}:/usr/bin:/bin",
        LANG="C.UTF-8",
        AFTERSALES_DB=str(folder / "walkthrough.db"),
    )
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT)],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=300,
    )
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert "Traceback" not in out, out
    return out


def outputs(transcript: str, walk: list[Step]) -> list[list[str]]:
    """What each step printed (lines, trailing spaces removed)."""
    lines = transcript.splitlines()
    starts = []
    at = 0
    for step in walk:
        at = lines.index(f"$ {step.command}", at)
        starts.append(at)
    ends = [*starts[1:], len(lines)]
    return [[line.rstrip() for line in lines[a + 1 : b]] for a, b in zip(starts, ends, strict=True)]


def cut(line: str, columns: int) -> str:
    """`line` in at most `columns` cells, ending `…` where it was cut — after a whole
    word when one ends in the last quarter of the width."""
    if width(line) <= columns:
        return line
    kept = ""
    for char in line:
        if width(kept + char + CUT) > columns:
            break
        kept += char
    space = kept.rfind(" ")
    if width(kept[:space]) > columns * 3 // 4:
        kept = kept[:space]
    return kept.rstrip() + CUT


def shown(step: Step, printed: list[str]) -> list[str]:
    """The lines the README shows for a step: those its patterns keep, a `…` line for
    each run of lines left out, long lines cut. A pattern that keeps nothing is an error:
    the view it was written for has changed."""
    for pattern in step.shows:
        assert any(pattern.search(line) for line in printed), (
            f"`# README shows: {pattern.pattern}` matches nothing that "
            f"`{step.command}` printed:\n" + "\n".join(printed)
        )
    lines: list[str] = []
    for line in printed:
        if not step.shows or any(pattern.search(line) for pattern in step.shows):
            lines.append(line if step.cut_at is None else cut(line, step.cut_at))
        elif not lines or lines[-1] != CUT:
            lines.append(CUT)
    return lines


@dataclass
class Block:
    first: int  # index of the block's first line in the README (after ```console)
    end: int  # index of its closing ```
    commands: list[str]


def blocks(readme: list[str]) -> list[Block]:
    """The console blocks of the walkthrough sections that run `aftersales`."""
    found: list[Block] = []
    section = ""
    i = 0
    while i < len(readme):
        line = readme[i]
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.strip() == "```console" and section in SECTIONS:
            end = next(j for j in range(i + 1, len(readme)) if readme[j].strip() == "```")
            commands = [ln[2:] for ln in readme[i + 1 : end] if ln.startswith("$ ")]
            if commands and all(c.startswith("aftersales ") for c in commands):
                found.append(Block(i + 1, end, commands))
            i = end
        i += 1
    return found


def rewritten(readme_text: str, walk: list[Step], printed: list[list[str]]) -> str:
    """The README with every walkthrough block showing what the script printed.
    Raises AssertionError when the README's commands are not the script's."""
    readme = readme_text.splitlines()
    found = blocks(readme)
    commands = [c for block in found for c in block.commands]
    assert commands == [s.command for s in walk], (
        "the README's walkthrough commands differ from examples/walkthrough.sh:\n"
        + "\n".join(difflib.unified_diff([s.command for s in walk], commands, lineterm=""))
    )
    by_command = iter(zip(walk, printed, strict=True))
    body: list[list[str]] = []
    for block in found:
        lines: list[str] = []
        for _ in block.commands:
            step, out = next(by_command)
            lines += [f"$ {step.command}", *shown(step, out)]
        body.append(lines)
    # From the last block up, so that the earlier blocks' indexes stay valid.
    for block, lines in reversed(list(zip(found, body, strict=True))):
        readme[block.first : block.end] = lines
    return "\n".join(readme) + "\n"


def fresh_readme() -> str:
    walk = steps(SCRIPT.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        transcript = run_script(Path(folder))
    return rewritten(README.read_text(encoding="utf-8"), walk, outputs(transcript, walk))


# ---- tests ---------------------------------------------------------------------------


def test_the_readme_shows_what_the_walkthrough_prints() -> None:
    readme = README.read_text(encoding="utf-8")
    fresh = fresh_readme()
    assert readme == fresh, (
        "README.md differs from what examples/walkthrough.sh prints "
        "(python3 tests/test_readme_walkthrough.py --update rewrites it):\n"
        + "\n".join(difflib.unified_diff(readme.splitlines(), fresh.splitlines(), lineterm="", n=1))
    )


def test_the_walkthrough_starts_from_an_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "walkthrough.db"
    db.write_bytes(b"")
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT)],
        cwd=tmp_path,
        env=bare_env(tmp_path, AFTERSALES_DB=str(db), LANG="C.UTF-8"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "starts from an empty database" in done.stderr
    assert done.stdout == ""


def test_every_step_is_shown_and_each_cut_is_marked() -> None:
    walk = steps(SCRIPT.read_text(encoding="utf-8"))
    assert len(walk) >= 10  # the script was read, command by command
    step = Step("aftersales x", (re.compile("^a"), re.compile("^c")), cut_at=8)
    assert shown(step, ["a", "b", "b", "c 实验小学", "d"]) == ["a", CUT, "c 实验…", CUT]
    with pytest.raises(AssertionError, match="matches nothing"):
        shown(step, ["a", "b"])  # the view changed: no line starts with c any more
    assert cut("close of the case #1 offence", 20) == "close of the case…"
    assert cut("close of #1: offence 1", 20) == "close of #1: offenc…"
    assert shown(Step("aftersales x"), ["a", "", "b"]) == ["a", "", "b"]


def test_a_readme_that_tells_something_else_is_caught() -> None:
    walk = [Step("aftersales one"), Step("aftersales two", (re.compile("^kept"),))]
    printed = [["Logged complaint #1."], ["kept", "dropped"]]
    readme = "\n".join(
        [
            "## A case from call to revisit",
            "```console",
            "$ aftersales one",
            "Logged complaint #2.",
            "```",
            "## Overdue, for cron",
            "```console",
            "$ aftersales two",
            "kept",
            "```",
            "## Reports, for managers",
            "```console",
            "$ aftersales report",
            "anything",
            "```",
        ]
    )
    fixed = rewritten(readme, walk, printed)
    assert "Logged complaint #1." in fixed and "#2" not in fixed
    assert "kept\n…\n```" in fixed
    assert "$ aftersales report\nanything" in fixed  # other sections are not the walkthrough
    try:
        rewritten(readme, [Step("aftersales one")], [["x"]])
    except AssertionError as missing:
        assert "aftersales two" in str(missing)
    else:
        raise AssertionError("a README command the script does not run went unnoticed")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python3 tests/test_readme_walkthrough.py --update")
    text = fresh_readme()
    if text == README.read_text(encoding="utf-8"):
        print("README.md already shows what the walkthrough prints")
    else:
        README.write_text(text, encoding="utf-8")
        print("README.md rewritten from examples/walkthrough.sh")
