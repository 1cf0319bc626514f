"""One fact, one answer: the same moment reads as the same age in every view, en and zh.

Monday 10:00 in Shanghai (START). APOLLO's latest update was posted last night at 20:35 (13
hours ago: "yesterday", never "today"); HERMES's on Saturday at 11:00 (47 hours ago: "2 days
ago", never "1 day"). ATHENA's gate was requested last night, ZEUS's on Friday evening ("3 days
ago", its vote overdue since Saturday evening). Every view that shows one of these ages —
`/pmo projects`, `/pmo project`, the Home tab, `/pmo digest`, the weekly digest, `/pmo gates` and
the gate-vote reminder — must show the same words for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from templates.render import Renderer
from tests.support import ADMIN, ALICE, BOB, GENERAL, START, make_bot
from tests.support.scheduling import add_project, nudges, pmo_rules, run, say
from tests.test_reminder_sources import request_gate

LAST_NIGHT = START - timedelta(hours=13, minutes=25)  # Sunday 20:35 in Shanghai
SATURDAY = START - timedelta(days=1, hours=23)  # Saturday 11:00
FRIDAY_EVENING = START - timedelta(days=2, hours=13, minutes=25)  # Friday 20:35
KEYS = ("APOLLO", "HERMES", "ATHENA", "ZEUS")
EXPECTED = {"APOLLO": 1, "HERMES": 2, "ATHENA": 1, "ZEUS": 3}
"""Each project's one dated fact, in calendar days before START on the PMO's clock."""


@pytest.fixture(params=["en", "zh"])
def portfolio(request, database_url, slack):
    made = make_bot(database_url, slack, pmo_rules(locale=request.param))
    long_ago = START - timedelta(weeks=5)
    add_project(made, "APOLLO", ALICE, at=long_ago, statuses=[(LAST_NIGHT, "green")])
    add_project(made, "HERMES", ALICE, at=long_ago, statuses=[(SATURDAY, "amber")])
    add_project(made, "ATHENA", BOB, at=long_ago)
    add_project(made, "ZEUS", BOB, at=long_ago)
    request_gate(made, key="ATHENA", approvers=(ADMIN,), at=LAST_NIGHT)
    request_gate(made, key="ZEUS", approvers=(ADMIN,), at=FRIDAY_EVENING)
    yield made
    made.close()


def texts(blocks: list[dict]) -> list[str]:
    """Every mrkdwn text of a message or view, in order."""
    found = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return found


def lines_about(shown: list[str]) -> dict[str, list[str]]:
    """Each project's lines; a line that names no project continues the one before it (the
    Home tab puts a project's standing under its name)."""
    about: dict[str, list[str]] = {key: [] for key in KEYS}
    for text in shown:
        current = None
        for line in text.split("\n"):
            named = [key for key in KEYS if f"*{key}*" in line]
            if named:
                current = named[0]
                about[current].append(line)
            elif current is not None:
                about[current][-1] += " " + line
    return about


def ages_read(renderer: Renderer, shown: list[str]) -> dict[str, set[int]]:
    """The ages ("today", "yesterday", "N days ago") each project's lines show."""
    phrases = {days: renderer.t("clock.ago", days=days) for days in range(0, 10)}
    read = {key: {days for days, phrase in phrases.items()
                  if any(_says(line, phrase) for line in lines)}
            for key, lines in lines_about(shown).items()}
    return {key: days for key, days in read.items() if days}


def _says(line: str, phrase: str) -> bool:
    """`phrase` stands on its own in `line` ("2 days ago" is not in "12 days ago"; "today" is
    not in "due today")."""
    at = line.find(phrase)
    while at >= 0:
        before = line[at - 1] if at else " "
        if not before.isdigit() and not line[:at].endswith(("due ", "到期")):
            return True
        at = line.find(phrase, at + 1)
    return False


def response_blocks(bot, command: str, text: str, user: str) -> list[dict]:
    before = len(bot.slack.responses)
    bot.command(command, text, user=user)
    bodies = bot.slack.wait_for_response(before + 1)[before:]
    return [block for body in bodies for block in body["body"].get("blocks", [])]


def test_every_view_reads_the_same_age_for_the_same_fact(portfolio):
    bot, renderer = portfolio, portfolio.ctx.renderer
    views: dict[str, list[str]] = {}
    views["/pmo projects"] = texts(response_blocks(bot, "/pmo", "projects", ADMIN))
    for key in ("APOLLO", "HERMES"):
        views[f"/pmo project {key}"] = texts(bot.command("/pmo", f"project {key}",
                                                         user=ADMIN).json["blocks"])
    views["/pmo gates"] = texts(bot.command("/pmo", "gates", user=ADMIN).json["blocks"])
    views["/pmo digest"] = texts(response_blocks(bot, "/pmo", "digest", ADMIN))
    bot.driver.event({"type": "app_home_opened", "user": ALICE, "tab": "home",
                      "channel": f"D{ALICE}"})
    bot.slack.wait_for("views.publish")
    views["Home"] = texts(bot.slack.home_view(ALICE)["blocks"])
    run(bot)  # Monday 10:00: the weekly digest, and the reminder about ZEUS's vote
    views["weekly digest"] = [t for m in bot.slack.messages(GENERAL)
                              if m["text"].startswith("PMO") for t in texts(m["blocks"])]
    [reminder] = nudges(bot, ADMIN)
    views["reminder"] = texts(reminder["blocks"])

    read = {name: ages_read(renderer, shown) for name, shown in views.items()}
    for name, ages in read.items():
        for key, days in ages.items():
            assert days == {EXPECTED[key]}, (name, key, days, lines_about(views[name])[key])
    # each fact was seen where it belongs
    assert set(read["/pmo projects"]) == set(read["Home"]) == {"APOLLO", "HERMES"}
    assert set(read["/pmo gates"]) == {"ATHENA", "ZEUS"}
    assert set(read["weekly digest"]) == set(read["/pmo digest"]) == set(KEYS)
    assert set(read["reminder"]) == {"ZEUS"}
    yesterday = {"en": "yesterday", "zh": "昨天"}[renderer.locale]
    assert yesterday in " ".join(views["/pmo gates"])


def test_an_overdue_item_never_reads_zero_days(database_url, slack):
    """A status update that fell due at 06:40 this morning is "due today" in the digest and the
    reminder, not "(0 d)" or "0 days overdue"."""
    bot = make_bot(database_url, slack, pmo_rules())
    due_this_morning = START - timedelta(days=7, hours=3, minutes=20)  # 06:40 a week ago
    add_project(bot, "APOLLO", ALICE, at=START - timedelta(weeks=5),
                statuses=[(due_this_morning, "green")])
    try:
        run(bot)
        digest = " ".join(t for m in bot.slack.messages(GENERAL) for t in texts(m["blocks"]))
        assert f"<@{ALICE}>: *APOLLO* status (due today)" in digest
        [reminder] = nudges(bot, ALICE)
        shown = " ".join(texts(reminder["blocks"]))
        assert "(due today)" in shown and "0 d" not in shown and "0 days" not in shown
        assert "(0 d)" not in say(bot, "/pmo", "digest", ADMIN)
    finally:
        bot.close()
