"""A project's own weekly digest: `/pmo project KEY digest on|off`, then once per ISO week in
the project's channel, showing only that project."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, event, text

from bot.standin.limits import message_problems
from services.digest import PROJECT_DIGEST
from storage import audit
from storage import projects as store
from storage.digest import EXTRA_SECTIONS, load_digest, load_project_digests
from storage.migrate import alembic_config, upgrade
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL, START, make_bot
from tests.support.gates import kill
from tests.support.scheduling import add_project, deliveries, pmo_rules, run, say
from tests.test_reminder_sources import TODAY, add_risk, request_gate

WEEK = timedelta(days=7)
NEXT_MONDAY_0900 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def pmo(database_url, slack):
    """Monday 10:00 in Shanghai, an hour after the digest slot: APOLLO (alice, #apollo, red,
    one risk, a gate waiting) and HERA (bob, #general, stale, one risk of its own)."""
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=START - 5 * WEEK, channel=APOLLO_CHANNEL,
                statuses=[(START - 2 * WEEK, "green"), (START - timedelta(days=1), "red")])
    add_project(bot, "HERA", BOB, at=START - 5 * WEEK, statuses=[(START - 3 * WEEK, "amber")])
    add_risk(bot, title="Vendor may slip", score=(5, 4), review=TODAY + timedelta(days=3),
             at=START - 3 * WEEK)
    add_risk(bot, title="Budget cut", score=(4, 4), owner=CAROL, key="HERA",
             review=TODAY - timedelta(days=2), at=START - 3 * WEEK)
    request_gate(bot, approvers=(ADMIN,), at=START - timedelta(days=3))
    yield bot
    bot.close()


def switch(bot, key: str, word: str, user: str = ADMIN) -> str:
    return say(bot, "/pmo", f"project {key} digest {word}", user)


def digest_flag(bot, key: str) -> bool:
    with bot.ctx.db.read() as session:
        return store.project_by_key(session, key).digest


def project_digests(slack, channel: str = APOLLO_CHANNEL) -> list[dict]:
    return [m for m in slack.messages(channel)
            if " digest, week " in m["text"] and not m["text"].startswith("PMO digest")]


# --- the command ----------------------------------------------------------------------------

def test_admin_turns_the_digest_on_audited_and_told_where_it_goes(pmo):
    reply = switch(pmo, "APOLLO", "on")
    assert reply.startswith(":white_check_mark: *APOLLO*'s weekly digest is on")
    assert f"<#{APOLLO_CHANNEL}> every Monday at 09:00 (Asia/Shanghai)" in reply
    assert pmo.slack.responses[-1]["body"]["response_type"] == "ephemeral"
    assert digest_flag(pmo, "APOLLO") and not digest_flag(pmo, "HERA")
    with pmo.ctx.db.read() as session:
        entry = audit.entries_for(session, "project", "APOLLO")[-1]
        assert (entry.action, entry.actor_id) == ("project.digest_set", ADMIN)
        assert (entry.before, entry.after) == ({"digest": False}, {"digest": True})
    assert "Nothing changed" in switch(pmo, "APOLLO", "ON")
    assert "weekly digest is off" in switch(pmo, "APOLLO", "off")
    assert "already off" in switch(pmo, "APOLLO", "off")
    with pmo.ctx.db.read() as session:  # only the two real changes are in the log
        actions = [e.action for e in audit.entries_for(session, "project", "APOLLO")]
    assert actions == ["project.added", "project.digest_set", "project.digest_set"]


def test_non_admin_is_refused_and_nothing_changes(pmo):
    reply = pmo.command("/pmo", "project APOLLO digest on", user=ALICE).text
    assert "Only PMO admins can turn a project's weekly digest on or off" in reply
    assert not digest_flag(pmo, "APOLLO")
    with pmo.ctx.db.read() as session:
        assert [e.action for e in audit.entries_for(session, "project", "APOLLO")] == [
            "project.added"]


def test_bad_word_shows_the_syntax_and_unknown_project_is_named(pmo):
    usage = "Usage: `/pmo project KEY digest on|off` (PMO admins)"
    reply = pmo.command("/pmo", "project APOLLO digest weekly", user=ADMIN).text
    assert reply.startswith("`weekly` is not `on` or `off`.") and usage in reply
    reply = pmo.command("/pmo", "project APOLLO digest", user=ADMIN).text
    assert "Turn the project's weekly digest `on` or `off`." in reply and usage in reply
    assert "is not a valid project KEY" in pmo.command("/pmo", "project apollo! digest on",
                                                       user=ADMIN).text
    assert switch(pmo, "NOPE", "on") == "There is no project *NOPE*. `/pmo projects` lists them."
    assert not digest_flag(pmo, "APOLLO")


def test_a_cancelled_project_is_refused_a_digest_and_nothing_changes(pmo):
    """Issue 6 audit: only active and on-hold projects get a digest, so "on" for a killed
    project would promise a digest that never comes."""
    assert "is killed" in kill(pmo, reason="Business case gone")
    reply = switch(pmo, "APOLLO", "on")
    assert reply == ("*APOLLO* is cancelled, so it gets no weekly digest: only active and "
                     "on-hold projects do. Nothing changed.")
    assert not digest_flag(pmo, "APOLLO")
    with pmo.ctx.db.read() as session:
        assert "project.digest_set" not in [
            e.action for e in audit.entries_for(session, "project", "APOLLO")]
    assert "already off" in switch(pmo, "APOLLO", "off")


def test_with_digests_disabled_the_reply_promises_nothing(database_url, slack):
    """`[digest] enabled = false`: the switch is stored, and the reply says nothing goes
    while digests are off instead of naming a Monday it will not keep."""
    rules = pmo_rules()
    bot = make_bot(database_url, slack, replace(rules, digest=replace(rules.digest,
                                                                      enabled=False)))
    add_project(bot, "APOLLO", ALICE, channel=APOLLO_CHANNEL)
    reply = switch(bot, "APOLLO", "on")
    assert reply == (
        ":white_check_mark: *APOLLO*'s weekly digest is on (stored), but nothing is posted "
        "while weekly digests are switched off in the rules file (`[digest] enabled = false`). "
        f"Once they are switched on, it goes to <#{APOLLO_CHANNEL}> every Monday at 09:00 "
        "(Asia/Shanghai).")
    assert digest_flag(bot, "APOLLO")
    again = switch(bot, "APOLLO", "on")
    assert again.startswith("*APOLLO*'s weekly digest is already on, but nothing is posted")
    assert "within a minute" not in reply + again and again.endswith("Nothing changed.")
    bot.close()


def test_project_card_and_help_show_the_digest(pmo):
    card = str(pmo.command("/pmo", "project APOLLO", user=BOB).json["blocks"])
    assert "*Weekly digest:* off" in card
    switch(pmo, "APOLLO", "on")
    card = str(pmo.command("/pmo", "project APOLLO", user=BOB).json["blocks"])
    assert f"*Weekly digest:* on, in <#{APOLLO_CHANNEL}>" in card
    assert "`/pmo project APOLLO digest on`" in pmo.command("/pmo", "help", user=BOB).text


# --- the planner ----------------------------------------------------------------------------

def test_flagged_project_gets_its_own_digest_once_a_week(pmo):
    switch(pmo, "APOLLO", "on")
    run(pmo)
    [portfolio] = [m for m in pmo.slack.messages(GENERAL) if m["text"].startswith("PMO digest")]
    assert "*APOLLO*" in str(portfolio["blocks"]) and "*HERA*" in str(portfolio["blocks"])
    [mine] = project_digests(pmo.slack)
    assert mine["text"] == "APOLLO digest, week 48, 2026: red."
    assert message_problems(mine["blocks"], mine["text"]) == []
    body = str(mine["blocks"])
    assert "APOLLO digest · week 48, 2026" in body
    assert f":red_circle: *Red* ↓ since last week · PM <@{ALICE}> · updated yesterday" in body
    assert "*Compliance* (standard 3.2): status reported within the 7-day cadence." in body
    assert "• *APOLLO-R1* Vendor may slip — Critical 20" in body
    assert f"<@{ADMIN}>: *APOLLO* gate vote (2 d)" in body
    assert "_Waiting for a decision (1, oldest first)_\\n• *APOLLO* Initiation gate" in body
    assert "HERA" not in body  # its status, its risk and its overdue review are not APOLLO's
    assert project_digests(pmo.slack, GENERAL) == []
    run(pmo)  # a second pass (or a second replica) plans nothing new
    assert len(deliveries(pmo, PROJECT_DIGEST)) == 1
    pmo.clock.at = NEXT_MONDAY_0900 - timedelta(minutes=1)
    run(pmo)
    assert len(project_digests(pmo.slack)) == 1
    pmo.clock.at = NEXT_MONDAY_0900
    run(pmo)
    assert [m["text"].split(":")[0] for m in project_digests(pmo.slack)] == [
        "APOLLO digest, week 48, 2026", "APOLLO digest, week 49, 2026"]
    switch(pmo, "APOLLO", "off")
    pmo.clock.at = NEXT_MONDAY_0900 + WEEK
    run(pmo)
    assert len(project_digests(pmo.slack)) == 2
    assert len([m for m in pmo.slack.messages(GENERAL) if m["text"].startswith("PMO digest")]) == 3


def test_a_project_digest_says_in_a_sentence_how_its_reporting_stands(pmo):
    """One project is not "1 of 1 projects": its digest says whether it reported in time."""
    switch(pmo, "HERA", "on")
    run(pmo)
    [hera] = project_digests(pmo.slack, GENERAL)
    body = str(hera["blocks"])
    assert "*Compliance* (standard 3.2): no update for 21 days: stale (14 days or more)." in body
    assert "of 1 project" not in body and "Stale —" not in body


def test_catch_up_after_downtime_posts_only_the_latest_week_once(pmo):
    switch(pmo, "APOLLO", "on")
    pmo.clock.at = START + 3 * WEEK  # three slots missed
    run(pmo)
    run(pmo)
    assert [m["text"].split(":")[0] for m in project_digests(pmo.slack)] == [
        "APOLLO digest, week 51, 2026"]


def _switched_off():
    rules = pmo_rules()
    return replace(rules, digest=replace(rules.digest, enabled=False))


@pytest.mark.parametrize(("rules", "expected"), [
    (pmo_rules(digest_channel=None), ["APOLLO", "ZEUS"]),  # no portfolio digest, still these
    (_switched_off(), []),
], ids=["no-digest-channel", "digest-disabled"])
def test_project_digests_go_without_a_digest_channel_and_not_when_switched_off(
        database_url, slack, rules, expected):
    """Active and on-hold projects only; `[digest] enabled = false` stops them all."""
    bot = make_bot(database_url, slack, rules)
    for key, state in (("APOLLO", "active"), ("ZEUS", "on_hold"), ("HERA", "closed")):
        add_project(bot, key, ALICE, channel=APOLLO_CHANNEL)
        with bot.ctx.db.write() as session:
            project = store.project_by_key(session, key)
            project.state = state
            store.set_digest(session, project=project, on=True, actor=ADMIN, now=START)
    run(bot)
    assert sorted(m["text"].split()[0] for m in project_digests(slack)) == expected
    assert deliveries(bot, "digest") == []
    bot.close()


def test_chinese_project_digest(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules(locale="zh"))
    add_project(bot, "APOLLO", ALICE, channel=APOLLO_CHANNEL, statuses=[(START, "green")])
    with bot.ctx.db.write() as session:
        store.set_digest(session, project=store.project_by_key(session, "APOLLO"), on=True,
                         actor=ADMIN, now=START)
    run(bot)
    [mine] = slack.messages(APOLLO_CHANNEL)
    assert mine["text"] == "APOLLO 摘要，2026 年第 48 周：绿。"
    assert "健康度：" in str(mine["blocks"])
    bot.close()


# --- loading --------------------------------------------------------------------------------

def test_loading_every_project_digest_costs_what_the_portfolio_digest_costs(pmo):
    """The statements do not grow with the number of flagged projects."""
    for n in range(6):
        add_project(pmo, f"P{n}", BOB, statuses=[(START, "green")])
    with pmo.ctx.db.read() as session:
        ids = [store.project_by_key(session, key).id for key in ("APOLLO", "HERA", "P0", "P5")]
    counts = []
    for chosen in (ids[:1], ids):
        with counting(pmo) as statements, pmo.ctx.db.read() as session:
            data = load_project_digests(session, START, pmo.ctx.rules, chosen)
        counts.append(len(statements))
        assert len(data) == len(chosen)
    with counting(pmo) as statements, pmo.ctx.db.read() as session:
        load_digest(session, START, pmo.ctx.rules)
    # the portfolio-only sections (over-allocated people) are one statement each more
    portfolio_only = sum(1 for s in EXTRA_SECTIONS if getattr(s, "portfolio_only", False))
    assert counts == [len(statements) - portfolio_only] * 2
    assert [row.key for row in data[ids[1]].portfolio.rows] == ["HERA"]
    assert [name for name, _ in data[ids[1]].extras] == ["risks"]


class counting:  # noqa: N801 - reads as a context manager
    """The SQL statements run on the bot's engine inside the block."""

    def __init__(self, bot) -> None:
        self.engine, self.statements = bot.ctx.db.engine, []

    def _on_execute(self, _conn, _cursor, sql, *_args) -> None:
        self.statements.append(sql)

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self.statements

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


# --- the migration --------------------------------------------------------------------------

def test_migration_adds_the_flag_off_for_existing_projects(database_url):
    """Down to 0004 and back up, on SQLite and PostgreSQL: a project registered before the
    column existed has its digest off."""
    config = alembic_config(database_url)
    command.downgrade(config, "0004_scheduler")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO projects (key, name, pm_id, channel_id, phase, state, created_by, "
                "created_at) VALUES ('OLD', 'Old', 'U1', 'C1', 'execution', 'active', 'U1', "
                ":at)"), {"at": START.replace(tzinfo=None)})
        upgrade(database_url)
        command.check(config)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT digest FROM projects WHERE key = 'OLD'")
                                ).scalar_one() in (False, 0)
            conn.execute(text("DELETE FROM projects"))
    finally:
        engine.dispose()
