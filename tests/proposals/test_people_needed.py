"""A proposal's people needed end to end (issue 13), through signed requests on both databases:
the form's rich text field and the one-liner `/pmo proposal PR-3 people …` (who may, refusals
that change nothing), `/pmo rank` saying whether each named person has room and listing roles
unchecked, the approval telling the approver who would go above 100%, and Chinese."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage import audit
from tests.capacity.test_allocate import add_zeus
from tests.proposals.support import INTAKE, portfolio_rules, proposals, propose
from tests.support import ADMIN, ALICE, BOB, CAROL, make_bot
from tests.support.gates import add_apollo, say, wait_until

GOOD = "strategic_fit:4 benefit:4 risk:2 resources:4"      # 75
DAVE = "UDAVE01"


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, portfolio_rules())
    add_apollo(bot)  # PM: Alice (20% by default)
    yield bot
    bot.close()


def test_the_form_keeps_people_and_roles_and_the_card_shows_them(pmo):
    response, note = propose(pmo, people=f"<@{BOB}> 50%, <@{CAROL}> 0.5, 2 FTE developer, "
                                         "someone from legal")
    assert not response.body and "PR-1" in note
    row = proposals(pmo)[0]
    assert row.needs == [{"user": BOB, "percent": 50}, {"user": CAROL, "percent": 50},
                         {"role": "developer", "percent": 200}, {"role": "someone from legal"}]
    assert row.people == f"<@{BOB}> 50%, <@{CAROL}> 0.5, 2 FTE developer, someone from legal"
    wait_until(lambda: any("PR-1" in m["text"] for m in pmo.slack.messages(INTAKE)))
    card = next(m for m in pmo.slack.messages(INTAKE) if "PR-1" in m["text"])
    assert (f"people: <@{BOB}> 50%, <@{CAROL}> 50%, 2 FTE developer, someone from legal"
            in str(card["blocks"]))


@pytest.mark.parametrize(("people", "expected"), [
    ("@bob 50%", "@bob is not a Slack mention: pick the person from the list"),
    (f"<@{BOB}> 150%", "one person has at most 100%"),
    (f"<@{BOB}> 50", "is 50 a percent or full-time people?"),
    (f"<@{BOB}>", "how much of their time?"),
    ("2 FTE", "which role?"),
])
def test_the_form_refuses_on_the_people_field_and_saves_nothing(pmo, people, expected):
    response, note = propose(pmo, people=people)
    assert note is None
    errors = response.json["errors"]
    assert list(errors) == ["people"] and expected in errors["people"], errors
    assert proposals(pmo) == []


def test_the_one_liner_sets_changes_and_clears_people_needed(pmo):
    propose(pmo, people="1 analyst")
    assert say(pmo, "/pmo", f"proposal PR-1 people <@{BOB}|bob> 60%, 2 FTE developer",
               ALICE) == (f":white_check_mark: People needed for *PR-1* are now: <@{BOB}> 60%, "
                          "2 FTE developer. `/pmo rank` shows whether named people have room.")
    assert proposals(pmo)[0].needs == [{"user": BOB, "percent": 60},
                                       {"role": "developer", "percent": 200}]
    with pmo.ctx.db.read() as session:
        entries = audit.entries_for(session, "proposal", "PR-1")
        changed = [e for e in entries if e.action == "proposal.people"]
    assert len(changed) == 1 and changed[0].actor_id == ALICE
    assert changed[0].before["needs"] == [{"role": "analyst", "percent": 100}]
    # the board may change it too; `none` clears it
    assert "are cleared" in say(pmo, "/pmo", "proposal PR-1 people none", BOB)
    row = proposals(pmo)[0]
    assert (row.people, row.needs) == (None, None)


def test_one_liner_refusals_change_nothing(pmo):
    propose(pmo, people=f"<@{BOB}> 50%")
    before = proposals(pmo)[0].needs
    refused = pmo.command("/pmo", f"proposal PR-1 people <@{BOB}> 120%", user=ALICE).text
    assert "one person has at most 100%" in refused
    assert "Usage: `/pmo proposal PR-3 people @alice 50%, @bob 0.5, 2 FTE developer`" in refused
    assert "Say who or what *PR-1* needs" in pmo.command("/pmo", "proposal PR-1 people",
                                                         user=ALICE).text
    pmo.slack.directory.add_user(DAVE, "dave")  # a person of the workspace, of no role here
    try:
        stranger = say(pmo, "/pmo", "proposal PR-1 people 1 tester", DAVE)
    finally:
        pmo.slack.directory._users.pop(DAVE, None)
    assert stranger.startswith(f":no_entry: Only the proposer (<@{ALICE}>), the portfolio board")
    say(pmo, "/pmo", "proposal PR-1 decline Not now", ADMIN)
    assert "is already declined" in say(pmo, "/pmo", "proposal PR-1 people 1 tester", ALICE)
    assert proposals(pmo)[0].needs == before


def test_rank_says_whether_named_people_have_room_and_lists_roles_unchecked(pmo):
    add_zeus(pmo, pm=CAROL)  # Carol: 20% as Zeus's PM
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 70%", ALICE)
    propose(pmo, title="CRM renewal", cost="400k", people=f"<@{BOB}> 40%, <@{CAROL}> 0.5, "
                                                         "2 FTE developer")
    propose(pmo, title="Audit trail", cost="300k", people="someone from legal")
    propose(pmo, title="Billing fix", cost="200k")
    for number in (1, 2, 3):
        say(pmo, "/pmo", f"proposal PR-{number} score {GOOD}", BOB)
    plain = say(pmo, "/pmo", "rank", BOB)
    lines = plain.splitlines()
    crm = lines.index(next(line for line in lines if line.startswith("*PR-1*")))
    assert lines[crm + 1:crm + 3] == [
        f"    people: :warning: <@{BOB}> 40% (no room: 70% now → 110%, over by 10), "
        f":white_check_mark: <@{CAROL}> 50% (has room: 20% now → 70%)",
        "    needed: 2 FTE developer"]
    audit_trail = lines.index(next(line for line in lines if line.startswith("*PR-2*")))
    assert lines[audit_trail + 1] == "    needed: someone from legal"
    billing = lines.index(next(line for line in lines if line.startswith("*PR-3*")))
    assert not lines[billing + 1].startswith("    ")  # names nobody: nothing added
    assert ("_Room: a named person's total now on running projects (`/pmo people`) plus the "
            "share the proposal names, within 100%._") in lines
    assert ("_Roles are shown as needed, not checked: the bot knows named people's "
            "allocations, not a role's._") in lines
    # lowering Bob's allocation gives him room; the cut-line keeps the lines beside each row
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 60%", ALICE)
    cut = say(pmo, "/pmo", "rank budget:500k", BOB)
    assert (f":white_check_mark: <@{BOB}> 40% (has room: 60% now → 100%)" in cut)
    assert "_Below the line:_" in cut
    below = cut.split("_Below the line:_")[1]
    assert "*PR-1* CRM renewal" in below and "· to fit, drop" in below
    assert below.index("to fit, drop") < below.index("    people:")


def test_rank_shows_free_text_from_before_unchecked(pmo):
    propose(pmo, title="Old one")
    with pmo.ctx.db.write() as session:  # as proposals from before 0027 are kept
        from storage.proposals import Proposal
        row = session.query(Proposal).one()
        row.people, row.needs = "a couple of analysts", None
    say(pmo, "/pmo", f"proposal PR-1 score {GOOD}", BOB)
    plain = say(pmo, "/pmo", "rank", BOB)
    assert "\n    needed (as typed): a couple of analysts\n" in plain + "\n"
    assert "_Roles are shown as needed, not checked" in plain


def test_approval_tells_the_approver_who_would_go_over(pmo):
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 80%", ALICE)
    propose(pmo, people=f"<@{BOB}> 30%, <@{CAROL}> 50%, 1 FTE tester")
    say(pmo, "/pmo", f"proposal PR-1 score {GOOD}", BOB)
    reply = say(pmo, "/pmo", "proposal PR-1 approve CRM", ADMIN)
    assert "approved: project *CRM* created" in reply
    assert reply.endswith(
        "People *PR-1* names, not allocated by the approval (`/pmo allocate @user CRM 50%` "
        f"does it): :warning: <@{BOB}> 30% (no room: 80% now → 110%, over by 10), "
        f":white_check_mark: <@{CAROL}> 50% (has room: 0% now → 50%).\n"
        f":warning: Allocated as *PR-1* asks, <@{BOB}> would be at 110%: over 100% by 10 "
        "points.")
    # nothing was allocated: Bob is still at 80%
    assert f"• <@{BOB}> — *80%*: APOLLO 80%" in say(pmo, "/pmo", "people", ADMIN)


def test_a_named_pm_counts_at_the_named_share_not_the_default(pmo):
    say(pmo, "/pmo", f"allocate <@{BOB}> APOLLO 60%", ALICE)
    propose(pmo, people=f"<@{BOB}> 50%")
    say(pmo, "/pmo", f"proposal PR-1 score {GOOD}", BOB)
    reply = say(pmo, "/pmo", f"proposal PR-1 approve CRM pm:<@{BOB}>", ADMIN)
    # 60% now (the new project's 20% PM default is not added to the 50% he is named for)
    assert f"<@{BOB}> 50% (no room: 60% now → 110%, over by 10)" in reply
    assert "The new PM" not in reply  # one warning, the named share's


def test_in_chinese(database_url, slack):
    rules = portfolio_rules()
    rules = replace(rules, pmo=replace(rules.pmo, locale="zh"))
    bot = make_bot(database_url, slack, rules)
    try:
        add_apollo(bot)
        say(bot, "/pmo", f"allocate <@{BOB}> APOLLO 70%", ALICE)
        propose(bot, people=f"<@{BOB}> 40%, 2 FTE 开发")
        say(bot, "/pmo", f"proposal PR-1 score {GOOD}", BOB)
        plain = say(bot, "/pmo", "rank", BOB)
        assert f"    人员：:warning: <@{BOB}> 40%（无余量：现为 70% → 110%，超出 10）" in plain
        assert "    所需角色：2 FTE 开发" in plain
        refused = bot.command("/pmo", f"proposal PR-1 people <@{BOB}> 50", user=ALICE).text
        assert "50 是百分比还是全职人数？" in refused
    finally:
        bot.close()
