"""`pmo-bot manifest`: valid YAML with every command, the right URLs, exactly the scopes used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.commands.manifest import SLASH_COMMANDS, WEB_API_SCOPES
from pmo_rules.errors import UserError
from pmo_rules.pmo_commands import ALSO_UNDER_PMO, parse_pmo_command

ROOT = Path(__file__).resolve().parent.parent
WEB_API_CALL = re.compile(
    r"\.(auth|apps|bookmarks|bots|chat|conversations|dnd|emoji|files|pins|reactions|reminders|"
    r"search|team|usergroups|users|views)_([a-zA-Z]+)\(")


def manifest(capsys, *args: str) -> dict:
    assert main(["manifest", *args]) == 0
    return yaml.safe_load(capsys.readouterr().out)


def test_http_manifest(capsys):
    found = manifest(capsys, "--url", "https://pmo.example.com/")
    url = "https://pmo.example.com/slack/events"
    commands = {c["command"]: c for c in found["features"]["slash_commands"]}
    assert sorted(commands) == ["/action", "/change", "/decision", "/gate", "/issue", "/lesson",
                               "/milestone", "/pmo", "/risk", "/status"]
    for command in commands.values():
        assert command["url"] == url and command["should_escape"] is True
        assert command["description"] and command["usage_hint"]
    settings = found["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["event_subscriptions"] == {"request_url": url,
                                               "bot_events": ["app_home_opened"]}
    assert settings["socket_mode_enabled"] is False
    assert found["features"]["app_home"]["home_tab_enabled"] is True
    assert found["oauth_config"]["scopes"]["bot"] == [
        "channels:history", "channels:read", "chat:write", "commands", "files:write",
        "groups:history", "groups:read", "im:history", "im:write", "users:read"]


def test_socket_mode_manifest_has_no_urls(capsys):
    found = manifest(capsys, "--socket-mode")
    assert found["settings"]["socket_mode_enabled"] is True
    assert "url" not in str(found)
    assert found["settings"]["interactivity"] == {"is_enabled": True}


def test_manifest_speaks_the_rules_files_language(capsys, tmp_path, monkeypatch):
    rules = tmp_path / "rules.toml"
    rules.write_text('[pmo]\nlocale = "zh"\n')
    monkeypatch.setenv("PMO_RULES", str(rules))
    found = manifest(capsys, "--socket-mode")
    assert found["display_information"]["name"] == "PMO 机器人"


def test_manifest_needs_a_url_or_socket_mode(capsys):
    assert main(["manifest"]) == 2
    assert "give --url https://your.host (HTTP) or --socket-mode" in capsys.readouterr().err


def test_manifest_refuses_a_plain_http_url(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["manifest", "--url", "http://plain.example.com"])
    assert refused.value.code == 2
    assert "is not an https:// URL" in capsys.readouterr().err


def test_scopes_cover_exactly_the_web_api_methods_the_code_calls():
    called = set()
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv", "tests/", "bench/", "bot/standin/")):
            continue
        source = path.read_text(encoding="utf-8")
        for family, method in WEB_API_CALL.findall(source):
            called.add(f"{family}.{method}")
        if ".files_upload_v2(" in source:  # slack_sdk's helper makes these two calls
            called |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
    unknown = called - set(WEB_API_SCOPES)
    assert not unknown, f"add these Web API methods and their scopes to WEB_API_SCOPES: {unknown}"
    unused = set(WEB_API_SCOPES) - called
    assert not unused, f"WEB_API_SCOPES lists methods the code no longer calls: {unused}"


def test_without_top_level_leaves_out_the_commands_that_also_work_under_pmo(capsys):
    full = manifest(capsys, "--socket-mode")
    found = manifest(capsys, "--socket-mode", "--without-top-level")
    commands = {c["command"]: c for c in found["features"]["slash_commands"]}
    assert sorted(commands) == ["/gate", "/pmo", "/risk", "/status"]
    pmo_hint = commands["/pmo"]["usage_hint"]
    assert pmo_hint.endswith("· help · /pmo milestone … · /pmo issue … · /pmo action …"
                             " · /pmo decision … · /pmo change … · /pmo lesson …")
    before = next(c for c in full["features"]["slash_commands"] if c["command"] == "/pmo")
    assert "/pmo milestone" not in before["usage_hint"]  # only when /milestone is left out
    assert found["oauth_config"] == full["oauth_config"]
    assert ALSO_UNDER_PMO == ("milestone", "issue", "action", "decision", "change", "lesson")


def test_every_command_left_out_is_a_pmo_sub_command():
    """The one list of top-level commands that also work after /pmo: each is a manifest command
    and a /pmo sub-command, so leaving it out of the app loses nothing."""
    for name in ALSO_UNDER_PMO:
        assert name in SLASH_COMMANDS
        try:
            parse_pmo_command(f"{name} help")
        except UserError as error:  # pragma: no cover - the failure this test guards against
            raise AssertionError(f"/pmo {name} is not a /pmo sub-command: {error}") from None
