"""The interactive console in a real terminal (a pty, via pexpect): prompt, answers, leaving."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

PMO_BOT = str(Path(sys.executable).parent / "pmo-bot")


def spawn(cwd: Path, *args: str) -> pexpect.spawn:
    return pexpect.spawn(PMO_BOT, ["console", *args], cwd=str(cwd), encoding="utf-8",
                         timeout=60, dimensions=(50, 140))


def test_the_prompt_answers_and_what_you_did_survives_a_restart(tmp_path):
    child = spawn(tmp_path, "--demo")
    child.expect_exact("A demo portfolio was just created.")
    child.expect_exact("alice@#apollo> ")
    child.sendline("/status APOLLO green Typed at a real terminal")
    child.expect_exact("PMO Bot in #apollo")
    child.expect_exact("Typed at a real terminal")
    child.expect_exact("recorded")
    child.expect_exact("alice@#apollo> ")
    child.sendline(":as nobody")
    child.expect_exact("There is no user")
    child.expect_exact("alice@#apollo> ")
    child.sendline(":as bob")
    child.expect_exact("bob@#apollo> ")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "pmo-console.sqlite3").exists()

    again = spawn(tmp_path, "--demo")  # the file has projects now: --demo leaves them alone
    again.expect_exact("already has projects")
    again.expect_exact("alice@#apollo> ")
    again.sendline("/status APOLLO")
    again.expect_exact("Typed at a real terminal")
    again.expect_exact("alice@#apollo> ")
    again.sendline(":time")
    again.expect_exact("It is Friday 2026-11-20 10:00")
    again.sendeof()  # Ctrl-D leaves cleanly
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
