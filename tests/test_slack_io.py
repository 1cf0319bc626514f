"""One Slack I/O module: listeners talk to Slack through handlers/slack_io.py only.

A source check keeps it so (no Web API call, no hand-made JSON in other listener modules), and
the behaviour it centralises is driven as Slack drives it: a form Slack refuses to open is
explained to the person, whichever command or button asked for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ALICE

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
SLACK_CALLS = {"views_open", "views_push", "views_update", "views_publish", "chat_postMessage",
               "chat_postEphemeral", "chat_update"}
ALLOWED: set[tuple[str, str]] = set()  # (module, call) a listener module may make itself


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in SLACK_CALLS \
                and (path.name, node.attr) not in ALLOWED:
            found.append(f"{path.name}:{node.lineno} {node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in {"loads", "dumps"} \
                and isinstance(node.value, ast.Name) and node.value.id == "json":
            found.append(f"{path.name}:{node.lineno} json.{node.attr}")
    return found


def test_listeners_reach_slack_only_through_slack_io():
    offences = [o for path in sorted(HANDLERS.glob("*.py")) if path.name != "slack_io.py"
                for o in _offences(path)]
    assert not offences, offences


def test_the_check_sees_a_direct_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json\ndef f(client):\n    client.views_open(view={})\n"
                      "    return json.loads('{}')\n")
    assert _offences(sample) == ["sample.py:3 views_open", "sample.py:4 json.loads"]


@pytest.mark.parametrize("command,text,words", [
    ("/risk", "add APOLLO", "didn't open the risk form"),
    ("/status", "", "didn't open the form"),
])
def test_a_form_slack_refuses_to_open_is_explained(apollo, command, text, words):
    """(/gate's form: tests/gates/test_flow.py.)"""
    apollo.slack.fail_next("views.open", error="expired_trigger_id")
    response = apollo.command(command, text, user=ALICE)
    assert response.status == 200
    reply = apollo.reply()
    assert words in reply and "expired_trigger_id" in reply
