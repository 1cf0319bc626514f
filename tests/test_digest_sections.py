"""The digest's risk and gate sections, and overdue risks and votes among "overdue by owner"."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.standin.limits import message_problems
from storage import gates as gate_store
from storage.digest_sections import TOP
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, START, make_bot
from tests.support.gates import kill
from tests.support.scheduling import add_project, pmo_rules, run
from tests.test_reminder_sources import TODAY, add_risk, request_gate

WEEK = timedelta(days=7)


def digest_text(slack) -> str:
    digests = [m for m in slack.messages(GENERAL) if m["text"].startswith("PMO ")]
    assert digests and all(not message_problems(m["blocks"], m["text"]) for m in digests)
    return "\n".join(str(m["blocks"]) for m in digests)


def test_digest_lists_risks_gates_and_overdue_risks_and_votes_by_owner(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for key in ("APOLLO", "HERA"):
        add_project(bot, key, ALICE, at=START - 5 * WEEK, statuses=[(START, "green")])
    add_risk(bot, title="Old and critical", score=(5, 4), review=TODAY + timedelta(days=3),
             at=START - 3 * WEEK)
    add_risk(bot, title="Fresh and small", score=(1, 2), owner=BOB, review=TODAY,
             due=TODAY + timedelta(days=2), at=START - timedelta(days=2))
    add_risk(bot, title="Late review", score=(2, 5), owner=CAROL, key="HERA",
             review=TODAY - timedelta(days=4), due=TODAY + timedelta(days=30),
             at=START - 3 * WEEK)
    request_gate(bot, approvers=(ADMIN,), at=START - timedelta(days=3))  # APOLLO, pending
    decided = request_gate(bot, approvers=(ADMIN,), key="HERA", at=START - 2 * WEEK)
    with bot.ctx.db.write() as session:
        request = session.get(gate_store.GateRequest, decided)
        gate_store.decide(session, request=request, state="passed", actor=ADMIN,
                          now=START - timedelta(days=2))
    run(bot)
    body = digest_text(slack)
    assert "*Risks*" in body and "*Stage gates*" in body
    assert "_Open high and critical (2)_\\n• *APOLLO-R1* Old and critical — Critical 20 · " \
           f"<@{ALICE}>\\n• *HERA-R1* Late review — High 10 · <@{CAROL}> · due 2026-12-23" in body
    assert f"_New this week (1)_\\n• *APOLLO-R2* Fresh and small — Low 2 · <@{BOB}> · due " \
           "2026-11-25" in body
    assert "_Response due in the next 7 days (1)_\\n• *APOLLO-R2*" in body
    assert "_Decided this week (1)_\\n• *HERA* Initiation gate passed by <@UADMIN1>" in body
    assert "_Waiting for a decision (1, oldest first)_\\n• *APOLLO* Initiation gate — " \
           "requested 3 days ago" in body
    assert f"<@{CAROL}>: *HERA-R1* review (4 d)" in body
    assert f"<@{ADMIN}>: *APOLLO* gate vote (2 d)" in body
    bot.ctx.db.dispose()


def test_long_risk_lists_are_cut_and_counted(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    for n in range(TOP + 5):
        add_risk(bot, title=f"Risk {n}", score=(5, 5), review=TODAY + timedelta(days=5),
                 at=START - 2 * WEEK)
    run(bot)
    body = digest_text(slack)
    assert f"_Open high and critical ({TOP + 5})_" in body and "…and 5 more." in body
    assert body.count("Critical 25") == TOP
    bot.ctx.db.dispose()


def test_no_risks_and_no_gates_leave_the_sections_out(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    run(bot)
    body = digest_text(slack)
    assert "*Risks*" not in body and "*Stage gates*" not in body
    bot.ctx.db.dispose()


def test_sections_in_chinese(database_url, slack):
    rules = pmo_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale="zh")))
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    add_risk(bot, score=(5, 5), review=TODAY - timedelta(days=1))
    request_gate(bot, approvers=(ADMIN,), at=START - timedelta(days=3))
    run(bot)
    body = digest_text(slack)
    assert "*风险*" in body and "*阶段关口*" in body and "关口投票（2 天）" in body
    [nudge] = slack.messages(ALICE)
    assert "复核应于 2026-11-22 完成（已逾期 1 天）" in str(nudge["blocks"])
    bot.ctx.db.dispose()


def preview(bot) -> str:
    """`/pmo digest` as a PMO admin: the digest as it reads now, every part."""
    before = len(bot.slack.responses)
    bot.command("/pmo", "digest", user=ADMIN)
    return "\n".join(str(r["body"].get("blocks")) for r in bot.slack.wait_for_response(
        before + 1)[before:])


def test_a_killed_project_leaves_the_risk_lists_and_its_kill_is_still_news(database_url,
                                                                             slack):
    """Issue 6 audit: the risk and waiting-gate lists cover the projects the counts cover
    (active and on hold); the kill itself is among the gates decided this week."""
    bot = make_bot(database_url, slack, pmo_rules())
    for key in ("APOLLO", "ORION"):
        add_project(bot, key, ALICE, at=START - 5 * WEEK, statuses=[(START, "green")])
    for key, title in (("APOLLO", "Vendor"), ("ORION", "Budget"), ("ORION", "Staff")):
        add_risk(bot, key=key, title=title, score=(5, 4), review=TODAY + timedelta(days=3),
                 due=TODAY + timedelta(days=2), at=START - timedelta(days=1))
    request_gate(bot, approvers=(ADMIN,), key="ORION", at=START - timedelta(days=1))
    assert "ORION-R2" in preview(bot) and "— 2 projects" in preview(bot)
    assert "is killed" in kill(bot, "ORION", "Done, nothing left to build")
    body = preview(bot)
    assert "— 1 project," in body and "APOLLO-R1" in body
    assert "ORION-R" not in body
    assert "_Open high and critical (1)_" in body and "_New this week (1)_" in body
    assert "_Waiting for a decision" not in body
    assert "_Decided this week (1)_\\n• *ORION* Initiation gate killed" in body
    bot.ctx.db.dispose()
