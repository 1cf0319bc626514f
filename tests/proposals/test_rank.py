"""`/pmo rank`, the card's Score button and form, concurrent approvals, and Chinese — through
signed requests on both databases."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from storage.projects import Project
from storage.proposals import Proposal, ProposalScore
from tests.proposals.support import INTAKE, portfolio_rules, proposals, propose
from tests.support import ADMIN, ALICE, BOB, CAROL, make_bot
from tests.support.gates import say, wait_until

BEST = "strategic_fit:5 benefit:5 risk:1 resources:5"      # 100
GOOD = "strategic_fit:4 benefit:4 risk:2 resources:4"      # 75


@pytest.fixture
def pmo(database_url, slack):
    bot = make_bot(database_url, slack, portfolio_rules())
    yield bot
    bot.close()


def three_proposals(bot):
    propose(bot, title="Big platform", cost="600k", themes=("Customer growth",))
    propose(bot, title="Billing fix", cost="500k", themes=("Cost efficiency",))
    propose(bot, title="Audit trail", cost="500k", themes=("Compliance",))
    for number, scores in ((1, BEST), (2, GOOD), (3, GOOD)):
        say(bot, "/pmo", f"proposal PR-{number} score {scores}", BOB)


def test_rank_shows_the_exact_cut_line_and_what_greedy_would_choose(pmo):
    three_proposals(pmo)
    plain = say(pmo, "/pmo", "rank", BOB)
    assert plain.splitlines()[1:4] == [
        "*PR-1* Big platform · score 100.0 · CNY 600,000 · 166.67 per CNY 1,000,000 · "
        "Customer growth",
        "*PR-2* Billing fix · score 75.0 · CNY 500,000 · 150.0 per CNY 1,000,000 · "
        "Cost efficiency",
        "*PR-3* Audit trail · score 75.0 · CNY 500,000 · 150.0 per CNY 1,000,000 · Compliance"]
    cut = say(pmo, "/pmo", "rank budget:1m", BOB)
    assert "_Above the line (the best total score within the budget):_\n*PR-2*" in cut
    assert "_Below the line:_\n*PR-1* Big platform" in cut
    assert "· to fit, drop PR-2, PR-3" in cut
    assert "Cut-line: 2 proposals, CNY 1,000,000, total score 150.0." in cut
    assert ("Greedy (down the list, taking what fits) would choose PR-1: total score 100.0."
            in cut)
    assert "more" not in cut and "pmo-bot export" not in cut  # everything fits: nothing left out
    say(pmo, "/pmo", "proposal PR-1 approve BIG", ADMIN)
    every = say(pmo, "/pmo", "rank all", BOB)
    assert every.endswith("*Active projects from proposals:*\n*PR-1* Big platform · score 100.0 · "
                          "CNY 600,000 · 166.67 per CNY 1,000,000 · Customer growth → *BIG*")
    assert "*Active projects" not in say(pmo, "/pmo", "rank", BOB)
    themed = say(pmo, "/pmo", "rank theme:compl", BOB)
    assert "theme Compliance" in themed and "PR-1" not in themed
    assert "`space` is not a strategic theme" in pmo.command("/pmo", "rank theme:space",
                                                             user=BOB).text
    assert "is not an amount" in pmo.command("/pmo", "rank budget:-1", user=BOB).text


def test_score_button_opens_the_form_and_saves_the_set(pmo):
    propose(pmo)
    wait_until(lambda: any("PR-1" in m["text"] for m in pmo.slack.messages(INTAKE)))
    message = next(m for m in pmo.slack.messages(INTAKE) if "PR-1" in m["text"])
    button = next(e for b in message["blocks"] if b["type"] == "actions"
                  for e in b["elements"])
    before = len(pmo.slack.calls("views.open"))
    pmo.driver.block_action(user=BOB, channel=INTAKE, message=message,
                            action={"type": "button", "action_id": button["action_id"],
                                    "value": button["value"]})
    view = pmo.slack.wait_for("views.open", count=before + 1)[-1].response["view"]
    values = {name: {"value": {"type": "static_select", "selected_option": {
        "value": str(score), "text": {"type": "plain_text", "text": str(score)}}}}
        for name, score in (("strategic_fit", 4), ("benefit", 5), ("risk", 2),
                            ("resources", 3))}
    response = pmo.driver.view_submission(user=BOB, view=view, values=values)
    assert response.status == 200 and not response.body
    wait_until(lambda: any("Weighted score now 77.5/100" in str(c.args.get("text"))
                           for c in pmo.slack.calls("chat.postEphemeral")))
    # someone outside the board is refused, and nothing opens
    answered = len(pmo.slack.responses)
    pmo.driver.block_action(user=ALICE, channel=INTAKE, message=message,
                            action={"type": "button", "action_id": button["action_id"],
                                    "value": button["value"]})
    reply = pmo.slack.wait_for_response(answered + 1)[-1]["body"]["text"]
    assert reply.startswith(":no_entry: Only the portfolio board")
    with pmo.ctx.db.read() as session:
        assert session.query(ProposalScore).count() == 1


CLICKS = 8


def test_concurrent_approvals_make_one_project(pmo):
    propose(pmo)
    answered = len(pmo.slack.responses)
    start = threading.Barrier(CLICKS)
    users = [BOB, CAROL, ADMIN] * 3

    def approve(i: int) -> int:
        start.wait()
        return pmo.command("/pmo", f"proposal PR-1 approve KEY{i}", user=users[i]).status

    with ThreadPoolExecutor(CLICKS) as pool:
        assert list(pool.map(approve, range(CLICKS))) == [200] * CLICKS
    replies = [r["body"]["text"] for r in pmo.slack.wait_for_response(answered + CLICKS,
                                                                        timeout=60)]
    assert sum("approved: project" in text for text in replies) == 1, replies
    with pmo.ctx.db.read() as session:
        assert session.query(Project).count() == 1
    assert proposals(pmo)[0].state == "approved"


def test_in_chinese(database_url, slack):
    rules = portfolio_rules()
    rules = replace(rules, pmo=replace(rules.pmo, locale="zh"))
    bot = make_bot(database_url, slack, rules)
    try:
        _response, note = propose(bot)
        assert note.startswith(":white_check_mark: 已提交提案 *PR-1*")
        assert "`speed` 不是评估标准" in bot.command("/pmo", "proposal PR-1 score speed:3",
                                                   user=BOB).text
        scores = "strategic_fit:4 benefit:5 risk:2 resources:3"
        assert "加权分值现为 77.5/100" in say(bot, "/pmo", f"proposal PR-1 score {scores}", BOB)
        ranked = say(bot, "/pmo", "rank budget:1m", BOB)
        assert "预算线：1 个提案" in ranked and "未列出" not in ranked
        assert "已驳回" in say(bot, "/pmo", "proposal PR-1 decline 与 APOLLO 重叠", BOB)
    finally:
        bot.close()



def test_portfolio_overview(pmo):
    three_proposals(pmo)
    say(pmo, "/pmo", "proposal PR-1 approve BIG", ADMIN)
    propose(pmo, title="Late idea")
    pmo.clock.advance(days=3)
    shown = say(pmo, "/pmo", "portfolio", ALICE)
    assert shown.splitlines() == [
        "*The portfolio*",
        "Projects by phase: Initiation 1 · Planning 0 · Execution 0 · Closing 0",
        "By state: Active 1 · On hold 0",
        "Planned budgets: CNY 600,000",
        "Spent to date: not reported yet",
        "By strategic theme: Customer growth 1 (CNY 600,000)",
        ":warning: No project serves Cost efficiency, Compliance.",
        "Top proposals in screening: PR-2 Billing fix (75.0) · PR-3 Audit trail (75.0)",
        "Waiting longest for screening: PR-4 Late idea (3 days)"]
    assert "`now` is not understood here" in pmo.command("/pmo", "portfolio now", user=ALICE).text


def test_identical_score_commands_at_once_keep_one_set(pmo):
    propose(pmo)
    answered = len(pmo.slack.responses)
    start = threading.Barrier(CLICKS)

    def score(i: int) -> int:
        start.wait()
        return pmo.command("/pmo", f"proposal PR-1 score strategic_fit:{1 + i % 5} benefit:3 "
                                   "risk:3 resources:3", user=BOB).status

    with ThreadPoolExecutor(CLICKS) as pool:
        assert list(pool.map(score, range(CLICKS))) == [200] * CLICKS
    pmo.slack.wait_for_response(answered + CLICKS, timeout=60)
    with pmo.ctx.db.read() as session:
        assert session.query(ProposalScore).filter_by(member_id=BOB).count() == 1


def test_a_stale_or_forged_score_button_is_answered_in_words(pmo):
    propose(pmo)
    for value in ("garbage", '{"n":99}'):
        answered = len(pmo.slack.responses)
        pmo.driver.block_action(user=BOB, channel=INTAKE,
                                action={"type": "button", "action_id": "proposal_score",
                                        "value": value})
        reply = pmo.slack.wait_for_response(answered + 1)[-1]["body"]["text"]
        assert reply.startswith(("This form or button is out of date",
                                 "There is no proposal *PR-99*")), reply
    assert not pmo.slack.calls("views.open")[1:]


# -- a reply that does not fit: the rows that fit, how many were left out, the whole summary --

ABOVE, GOOD_ONES, SCREENED, UNSCORED = 50, 150, 25, 25
LONG = "Replace the legacy order system {} with a cloud platform and retire the old servers"
WANT = {
    "en": {
        "above": "_Above the line (the best total score within the budget):_",
        "below": "_Below the line:_",
        "cut": "Cut-line: 50 proposals, CNY 5,000,000, total score 3750.0.",
        "cut_1m": "Cut-line: 10 proposals, CNY 1,000,000, total score 750.0.",
        "greedy": "Greedy (down the list, taking what fits) would choose {} and 6 more: "
                  "total score 1975.0.",
        "screened": "Screened out: {} and 5 more.",
        "unscored": "Not fully scored yet: {} and 5 more.",
        "sep": ", ", "out_sep": ", ", "criterion": "{} (strategic_fit)",
        "more": r"…and (?:(\d+) more above the line)?(?: and )?(?:(\d+) more below the line)?\. "
                r"The whole ranking: `pmo-bot export portfolio --format csv\|xlsx "
                r"\[--out FILE\]`\.",
    },
    "zh": {
        "above": "_预算线以上（预算内总分值最高的组合）：_",
        "below": "_预算线以下：_",
        "cut": "预算线：50 个提案，CNY 5,000,000，总分值 3750.0。",
        "cut_1m": "预算线：10 个提案，CNY 1,000,000，总分值 750.0。",
        "greedy": "贪心做法（自上而下，放得下就选）会选 {}，另有 6 个：总分值 1975.0。",
        "screened": "已筛除：{}，另有 5 个。",
        "unscored": "分值尚未齐全：{}，另有 5 个。",
        "sep": "、", "out_sep": "，", "criterion": "{}（strategic_fit）",
        "more": r"……另有(?:预算线以上 (\d+) 个)?、?(?:预算线以下 (\d+) 个)?提案未列出。"
                r"完整排名：`pmo-bot export portfolio --format csv\|xlsx \[--out FILE\]`。",
    },
}


def many_proposals(bot) -> None:
    """PR-1 (cost 2.5m, score 100), PR-2…PR-151 (100k each, score 75), 25 screened out and 25
    not scored, all in screening, with titles longer than a row shows: stored as the form and
    the score command store them (221 proposals through the form would take minutes)."""
    now = bot.clock()
    count = 1 + GOOD_ONES + SCREENED + UNSCORED
    rows = [{"number": n, "title": LONG.format(n), "proposer_id": ALICE, "sponsor_id": None,
             "objective": "Many", "themes": ["Compliance"],
             "cost": Decimal(2_500_000 if n == 1 else 100_000), "benefit_amount": None,
             "benefit": None, "months": 6, "delivery_risk": 3, "people": None, "needs": None,
             "own_scores": {}, "state": "screening", "created_at": now, "updated_at": now}
            for n in range(1, count + 1)]
    best = dict(item.split(":") for item in BEST.split())
    good = dict(item.split(":") for item in GOOD.split())
    with bot.ctx.db.write() as session:
        session.execute(insert(Proposal), rows)
        ids = dict(session.execute(select(Proposal.number, Proposal.id)).all())
        scores = [(1, best)] + [(n, good) for n in range(2, 2 + GOOD_ONES)] + [
            (n, {**good, "strategic_fit": "1"})
            for n in range(2 + GOOD_ONES, 2 + GOOD_ONES + SCREENED)]
        session.execute(insert(ProposalScore), [
            {"proposal_id": ids[n], "member_id": BOB, "created_at": now, "updated_at": now,
             "scores": {name: int(v) for name, v in given.items()}} for n, given in scores])


def refs(numbers) -> list[str]:
    return [f"PR-{n}" for n in numbers]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_long_ranking_keeps_its_summary_and_counts_what_it_leaves_out(database_url, slack,
                                                                        locale):
    rules = portfolio_rules()
    bot = make_bot(database_url, slack, replace(rules, pmo=replace(rules.pmo, locale=locale)))
    want = WANT[locale]
    try:
        many_proposals(bot)
        for budget, above_count in (("5m", ABOVE), ("1m", 10)):
            reply = say(bot, "/pmo", f"rank budget:{budget}", BOB)
            assert len(reply) <= 3900, len(reply)
            lines = reply.splitlines()
            assert lines[1] == want["above"]
            more = [i for i, line in enumerate(lines) if re.fullmatch(want["more"], line)]
            assert len(more) == 1, reply
            hidden = re.fullmatch(want["more"], lines[more[0]]).groups()
            rows = [line for line in lines[:more[0]] if line.startswith("*PR-")]
            split = lines.index(want["below"]) if want["below"] in lines else len(lines)
            shown_above = sum(1 for line in lines[:split] if line.startswith("*PR-"))
            shown_below = len(rows) - shown_above
            # each part's rows in order, then what is left of it counted
            assert shown_above + int(hidden[0] or 0) == above_count
            assert shown_below + int(hidden[1] or 0) == 1 + GOOD_ONES - above_count
            assert rows[0].startswith("*PR-2* " + LONG.format(2)[:59] + "…")  # cut at 60
            shown = [row.split("*")[1] for row in rows]
            assert shown[:shown_above] == refs(range(2, 2 + shown_above))
            summary = lines[more[0] + 1:]
            if budget == "5m":
                assert shown_below == 0 and hidden == (str(ABOVE - shown_above), "101")
                assert summary[0] == want["cut"]
                assert summary[1] == want["greedy"].format(want["sep"].join(refs(range(1, 21))))
            else:
                assert shown_above == 10 and hidden[0] is None and shown_below > 0
                # the dearest (score 100) heads the rows below the line
                assert shown[shown_above:] == ["PR-1", *refs(range(12, 11 + shown_below))]
                assert summary[0] == want["cut_1m"]  # greedy chooses the same: no line on it
            # the newest first, as `/pmo proposals` lists them
            last = 1 + GOOD_ONES + SCREENED
            screened = want["out_sep"].join(
                want["criterion"].format(ref) for ref in refs(range(last, last - 20, -1)))
            assert want["screened"].format(screened) in summary
            last += UNSCORED
            assert summary[-1] == want["unscored"].format(
                want["sep"].join(refs(range(last, last - 20, -1))))
    finally:
        bot.close()
