"""Proposals end to end (issue 13), through signed requests on both databases: the form, the
card in the intake channel, scoring by the board (command and button), screening, ranking,
approval into a project with its plan, decline, withdraw, and the refusals that change
nothing."""

from __future__ import annotations

import pytest

from storage import audit
from storage.plans import ProjectPlan
from storage.projects import Project
from storage.proposals import ProposalScore
from tests.proposals.support import INTAKE, notes, portfolio_rules, proposals, propose
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, make_bot
from tests.support.gates import say, wait_until

SCORES = "strategic_fit:4 benefit:5 risk:2 resources:3"


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, portfolio_rules())
    yield bot
    bot.close()


def test_propose_posts_a_card_and_numbers_proposals(pmo):
    response, note = propose(pmo)
    assert response.status == 200
    assert note == (":white_check_mark: Proposal *PR-1* submitted: CRM renewal. Its card is "
                    f"going to <#{INTAKE}>, where the board scores it.")
    wait_until(lambda: any("PR-1" in m["text"] for m in pmo.slack.messages(INTAKE)))
    card = next(m for m in pmo.slack.messages(INTAKE) if "PR-1" in m["text"])
    assert card["text"] == "PR-1 · CRM renewal — Submitted"
    assert "*Cost:* CNY 400,000" in str(card["blocks"]) and "proposal_score" in str(
        card["blocks"])
    propose(pmo, title="Data lake")
    found = proposals(pmo)
    assert [(p.number, p.state, p.themes, p.sponsor_id) for p in found] == [
        (1, "submitted", ["Compliance"], CAROL), (2, "submitted", ["Compliance"], CAROL)]


def test_form_refusals_keep_the_form_open_and_save_nothing(pmo):
    for fields, block in (({"cost": "-5"}, "cost"), ({"cost": "1e20"}, "cost"),
                          ({"cost": "20000000000000"}, "cost"), ({"months": "0"}, "months"),
                          ({"title": " "}, "title"), ({"risk": None}, "delivery_risk"),
                          ({"themes": ("Space",)}, "themes")):
        response, _ = propose(pmo, **fields)
        assert response.json["response_action"] == "errors", fields
        assert list(response.json["errors"]) == [block], (fields, response.json)
    assert proposals(pmo) == []


def test_board_scores_move_it_to_screening_and_the_weighted_score_is_the_mean(pmo):
    propose(pmo)
    assert say(pmo, "/pmo", f"proposal PR-1 score {SCORES}", BOB).startswith(
        ":white_check_mark: Your scores on *PR-1* are saved")
    # (4-1)*3 + (5-1)*3 + (6-2-1)*2 + (3-1)*2 = 9+12+6+4 = 31 of 40 → 77.5
    assert "*Score:* 77.5/100 (1 member)" in str(pmo.command("/pmo", "proposal PR-1",
                                                            user=BOB).json)
    reply = say(pmo, "/pmo", "proposal PR-1 score strategic_fit:2 benefit:3 risk:4 resources:3",
                CAROL)
    # means 3, 4, 3, 3 → (3·2 + 3·3 + 2·(6−3−1) + 2·2) / 40 = 23/40 → 57.5
    assert "Weighted score now 57.5/100 (2 members)" in reply
    # changing one's own set: an upsert, still two members
    reply = say(pmo, "/pmo", "proposal PR-1 score benefit:5", CAROL)
    assert "are changed" in reply and "(2 members)" in reply
    assert [p.state for p in proposals(pmo)] == ["screening"]
    with pmo.ctx.db.read() as session:
        assert session.query(ProposalScore).count() == 2


def test_score_refusals(pmo):
    propose(pmo)
    refused = pmo.command("/pmo", f"proposal PR-1 score {SCORES}", user=ALICE).text
    assert refused.startswith(":no_entry: Only the portfolio board")
    assert "`speed` is not a criterion" in pmo.command(
        "/pmo", "proposal PR-1 score speed:3", user=BOB).text
    assert "`benefit:7` is outside the scale" in pmo.command(
        "/pmo", "proposal PR-1 score benefit:7", user=BOB).text
    assert "must cover every criterion: add strategic_fit, risk, resources" in say(
        pmo, "/pmo", "proposal PR-1 score benefit:4", BOB)
    assert "no proposal *PR-9*" in say(pmo, "/pmo", f"proposal PR-9 score {SCORES}", BOB)
    with pmo.ctx.db.read() as session:
        assert session.query(ProposalScore).count() == 0


def test_must_pass_scored_one_by_the_majority_screens_out(pmo):
    propose(pmo)
    say(pmo, "/pmo", "proposal PR-1 score strategic_fit:1 benefit:5 risk:1 resources:5", BOB)
    reply = say(pmo, "/pmo", "proposal PR-1 score strategic_fit:1 benefit:5 risk:1 resources:5",
                CAROL)
    assert "Screened out: 2 of 2 scored *strategic_fit* 1 (it must pass)." in reply
    ranked = say(pmo, "/pmo", "rank", BOB)
    assert "Screened out: PR-1 (strategic_fit)." in ranked


def test_approve_creates_the_project_with_its_plan_and_tells_the_proposer(pmo):
    propose(pmo, months="6")
    say(pmo, "/pmo", f"proposal PR-1 score {SCORES}", BOB)
    reply = say(pmo, "/pmo", f"proposal PR-1 approve CRM pm:<@{BOB}|bob>", ADMIN)
    assert reply == (":white_check_mark: *PR-1* approved: project *CRM* created in initiation, "
                     f"PM <@{BOB}>, channel <#{APOLLO_CHANNEL}>, plan 2026-11-23 → 2027-05-23, "
                     "budget CNY 400,000. The proposer is told.")
    wait_until(lambda: notes(pmo, "was approved"))
    assert "it is now project *CRM*" in notes(pmo, "was approved")[0]
    with pmo.ctx.db.read() as session:
        project = session.query(Project).filter_by(key="CRM").one()
        plan = session.get(ProjectPlan, project.id)
        assert (project.phase, project.pm_id, str(plan.budget), plan.sponsor_id) == (
            "initiation", BOB, "400000.00", CAROL)
        actions = [e.action for e in audit.entries_for(session, "proposal", "PR-1")]
        assert actions[-1] == "proposal.approved"
    assert proposals(pmo)[0].project_id == project.id
    assert "→ *CRM*" in str(pmo.command("/pmo", "proposal PR-1", user=ALICE).json)
    assert "Came from proposal *PR-1*" in str(pmo.command("/pmo", "project CRM", user=ALICE).json)
    # decided: refused, nothing changes
    assert "already approved" in say(pmo, "/pmo", "proposal PR-1 decline Too late", ADMIN)
    assert "already approved" in say(pmo, "/pmo", "proposal PR-1 withdraw", ALICE)
    assert "already approved" in say(pmo, "/pmo", f"proposal PR-1 score {SCORES}", BOB)


def test_decline_needs_a_reason_and_tells_the_proposer(pmo):
    propose(pmo)
    assert "Say why *PR-1* is declined" in pmo.command("/pmo", "proposal PR-1 decline",
                                                       user=ADMIN).text
    assert ":no_entry:" in pmo.command("/pmo", "proposal PR-1 decline No", user=ALICE).text
    assert say(pmo, "/pmo", "proposal PR-1 decline Overlaps APOLLO", BOB) == (
        ":white_check_mark: *PR-1* declined: Overlaps APOLLO. The proposer is told.")
    wait_until(lambda: notes(pmo, "was declined"))
    assert proposals(pmo)[0].state == "declined"
    assert proposals(pmo)[0].reason == "Overlaps APOLLO"


def test_withdraw_is_the_proposers(pmo):
    propose(pmo)
    assert "Only the proposer" in say(pmo, "/pmo", "proposal PR-1 withdraw", BOB)
    assert say(pmo, "/pmo", "proposal PR-1 withdraw", ALICE) == (
        ":white_check_mark: *PR-1* withdrawn.")
    assert "Open proposals" not in pmo.command("/pmo", "proposals", user=ALICE).text
    assert "withdrawn" in pmo.command("/pmo", "proposals all", user=ALICE).text


def test_screen_by_the_board(pmo):
    propose(pmo)
    assert ":no_entry:" in pmo.command("/pmo", "proposal PR-1 screen", user=ALICE).text
    assert say(pmo, "/pmo", "proposal PR-1 screen", BOB) == ":mag: *PR-1* is now in screening."
    assert "already in screening" in say(pmo, "/pmo", "proposal PR-1 screen", BOB)
