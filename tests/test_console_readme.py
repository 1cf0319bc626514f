"""The README's console transcripts are runs of the product: each one is replayed and compared.

A transcript is a ```console block that starts with `$ pmo-bot console [--demo]`; its prompt
lines (`alice@#apollo> …`, and `  » …` answers in a form) are the input, and the whole block
is the expected output, character for character. When the product's wording changes on
purpose, `PMO_UPDATE_TRANSCRIPTS=1 pytest tests/test_console_readme.py` rewrites the blocks
from what the console prints now; review the diff before committing it.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import shlex
from pathlib import Path

import pytest

from bot.console.main import run_console

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(\$ pmo-bot console[^\n]*)\n(.*?)```", re.S)
INPUT = re.compile(r"^(?:[\w.-]+@#[\w-]+> (.*)|  »(?: (.*))?)$")
UPDATE = os.environ.get("PMO_UPDATE_TRANSCRIPTS") == "1"


def transcripts() -> list[tuple[str, str]]:
    with README.open(encoding="utf-8") as readme:
        fcntl.flock(readme, fcntl.LOCK_SH)  # parallel workers may be rewriting it (UPDATE)
        return BLOCK.findall(readme.read())


def rewrite(command: str, expected: str, actual: str) -> None:
    """Replace one block in place, under an exclusive lock: with pytest-xdist several workers
    update the README at once, and a read-modify-write each would lose the others' changes."""
    with README.open("r+", encoding="utf-8") as readme:
        fcntl.flock(readme, fcntl.LOCK_EX)
        text = readme.read().replace(f"{command}\n{expected}```", f"{command}\n{actual}```")
        readme.seek(0)
        readme.write(text)
        readme.truncate()


def replay(command: str, expected: str, db: Path) -> str:
    args = shlex.split(command)[3:]
    assert set(args) <= {"--demo"}, f"transcripts run `pmo-bot console [--demo]`: {command}"
    out = io.StringIO()
    assert run_console(db=str(db), demo="--demo" in args, script=typed(expected),
                       stdout=out) == 0
    return out.getvalue()


def typed(transcript: str) -> list[str]:
    """What was typed: the text after each prompt (an empty form answer is an empty line)."""
    lines = []
    for line in transcript.splitlines():
        match = INPUT.match(line)
        if match:
            lines.append(match[1] if match[1] is not None else match[2] or "")
    return lines


def test_the_readme_has_transcripts():
    found = transcripts()
    assert len(found) >= 3
    assert any("--demo" in command for command, _ in found)


@pytest.mark.parametrize("index", range(len(transcripts())))
def test_readme_transcript_matches_what_the_console_prints(index, tmp_path):
    command, expected = transcripts()[index]
    actual = replay(command, expected, tmp_path / "console.sqlite3")
    if UPDATE and actual != expected:
        rewrite(command, expected, actual)
    assert actual == expected
