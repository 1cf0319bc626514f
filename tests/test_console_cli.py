"""`pmo-bot console` as the installed command: arguments, standard input, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PMO_BOT = str(Path(sys.executable).parent / "pmo-bot")  # the installed command


def console(tmp_path: Path, *args: str, stdin: str = "", env: dict | None = None):
    return subprocess.run([PMO_BOT, "console", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path, check=False,
                          env={**os.environ, **(env or {})})


def test_the_installed_command_runs_a_script_from_standard_input(tmp_path):
    """The real `pmo-bot console` process: stdin as the script, exit 0 even after refusals."""
    script = ":as bob\n/status APOLLO red Not my project\n:click 1\n/status help\n"
    done = console(tmp_path, "--demo", "--db", str(tmp_path / "c.sqlite3"), stdin=script)
    assert done.returncode == 0, done.stderr
    started, _, rest = done.stdout.partition("\n")  # the demo's gate cards, sent at start-up
    assert started.startswith("  While the console started, PMO Bot sent 11 messages: ")
    assert rest.startswith("alice@#apollo> :as bob\n  You are bob (Bob Braun)")
    assert "only its PM (@alice) and PMO admins can." in done.stdout
    assert "There is nothing to click yet" in done.stdout
    assert done.stdout.endswith("  │ Who may post: the project's PM and PMO admins.\n")


def test_a_missing_script_file_is_the_consoles_own_failure(tmp_path):
    done = console(tmp_path, "--script", str(tmp_path / "nope.txt"))
    assert done.returncode == 2
    assert done.stderr.startswith("pmo-bot console: cannot read ")
    assert not (tmp_path / "pmo-console.sqlite3").exists()


def test_a_bad_rules_file_or_database_url_stops_with_one_line(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[pmo]\nlocale = \"fr\"\n", encoding="utf-8")
    done = console(tmp_path, env={"PMO_RULES": str(rules)})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f'pmo-bot: rules file {rules}: pmo.locale: must be "en" or "zh" (got "fr")']
    done = console(tmp_path, "--db", "mysql://db/pmo")
    assert done.returncode == 2 and done.stderr.startswith("pmo-bot: DATABASE_URL must be")


def test_the_rules_file_is_used_when_set(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[pmo]\nlocale = \"zh\"\nadmins = [\"UBOB001\"]\n", encoding="utf-8")
    script = tmp_path / "lines.txt"
    script.write_text(":as bob\n/pmo project add ZEUS Zeus CRM\n:nope\n", encoding="utf-8")
    done = console(tmp_path, "--script", str(script), env={"PMO_RULES": str(rules)})
    assert done.returncode == 0, done.stderr
    assert "  │ ✅ 已添加项目 ZEUS —— Zeus CRM。项目经理：@bob，频道：#apollo。" in done.stdout
    assert "  :nope 不是控制台命令。\n" in done.stdout


def one_line_exit_2(done, starts: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(starts), done.stderr


def test_a_database_that_cannot_be_opened_stops_with_one_line(tmp_path):
    """A missing folder, a file that is not a database, a server that does not answer."""
    missing = tmp_path / "no" / "such" / "x.sqlite3"
    done = console(tmp_path, "--db", str(missing), stdin=":time\n")
    one_line_exit_2(done, f"pmo-bot: --db {missing}: cannot open the database: unable to open")
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("shopping list\n" * 200, encoding="utf-8")
    done = console(tmp_path, "--db", str(not_a_db), stdin=":time\n")
    one_line_exit_2(done, f"pmo-bot: --db {not_a_db}: cannot open the database: "
                          "file is not a database")
    done = console(tmp_path, "--db", "postgresql://pmo:secret@127.0.0.1:1/pmo", stdin=":time\n")
    one_line_exit_2(done, "pmo-bot: --db postgresql://pmo:***@127.0.0.1:1/pmo: cannot open the "
                          "database: connection failed")
    assert "secret" not in done.stderr


def test_a_script_that_is_not_utf8_stops_with_one_line(tmp_path):
    script = tmp_path / "latin1.txt"
    script.write_bytes(":time\n/status APOLLO green Caf\xe9 opened\n".encode("latin-1"))
    done = console(tmp_path, "--script", str(script))
    one_line_exit_2(done, f"pmo-bot console: cannot read {script}: line 2 is not UTF-8 text")
    assert done.stdout == "" and not (tmp_path / "pmo-console.sqlite3").exists()
    done = subprocess.run([PMO_BOT, "console", "--db", str(tmp_path / "c.sqlite3")],
                          input=script.read_bytes(), capture_output=True, timeout=120,
                          cwd=tmp_path, check=False)
    assert done.returncode == 2
    assert done.stderr.decode() == ("pmo-bot console: cannot read standard input: it is not "
                                    "UTF-8 text\n")
