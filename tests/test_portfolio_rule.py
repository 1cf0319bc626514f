"""One definition of "the portfolio": active and on-hold projects are counted, cancelled and
closed ones are named apart; a project that ends closes its open risks. And `/pmo projects`
filters and pages, so that "more than fit" always points to a list that has them all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.portfolio_views import portfolio_messages
from pmo_rules.portfolio_filter import parse_filter
from storage import projects as store
from storage.audit import AuditEntry
from storage.risks import Risk
from tests.support import ADMIN, ALICE, BOB, CAROL, GENERAL, START, make_bot
from tests.support.gates import kill, wait_until
from tests.support.scheduling import add_project, dms, nudges, pmo_rules, run
from tests.test_reminder_sources import TODAY, add_risk

LONG_AGO = START - timedelta(weeks=5)


@pytest.fixture
def pmo(database_url, slack):
    """APOLLO (alice, green) and ZEUS (carol, red) in the portfolio; ZEUS has three open risks
    whose reviews are overdue (two bob's, one carol's) and one already closed."""
    made = make_bot(database_url, slack, pmo_rules())
    add_project(made, "APOLLO", ALICE, at=LONG_AGO, statuses=[(START - timedelta(days=1), "green")])
    add_project(made, "ZEUS", CAROL, at=LONG_AGO, statuses=[(START - timedelta(days=2), "red")])
    late = TODAY - timedelta(days=3)
    for owner, title in ((BOB, "Data cannot be merged"), (BOB, "Vendor goes bust"),
                         (CAROL, "Key user leaves")):
        add_risk(made, key="ZEUS", owner=owner, review=late, title=title, score=(4, 4),
                 at=LONG_AGO)
    add_risk(made, key="APOLLO", owner=ALICE, review=late, score=(3, 3), at=LONG_AGO)
    yield made
    made.close()


def blocks_of(bot, command: str, text: str, user: str = ADMIN) -> str:
    """What the command shows: its ack, or every reply it posts after the ack (`/pmo
    projects` may take several messages: as many as the rendering makes)."""
    expected = 1
    if (command, text.split()[:1]) == ("/pmo", ["projects"]):
        rule = parse_filter(text.split()[1:]).for_user(user)
        expected = len(portfolio_messages(bot.ctx, rule))
    before = len(bot.slack.responses)
    response = bot.command(command, text, user=user)
    if response.body:
        try:
            return str(response.json.get("blocks") or response.json.get("text"))
        except ValueError:
            return response.text
    bodies = bot.slack.wait_for_response(before + expected)[before:]
    return " ".join(str(b["body"].get("blocks") or b["body"].get("text")) for b in bodies)


def test_a_cancelled_project_leaves_the_portfolio_and_takes_its_open_risks_with_it(pmo):
    assert "Portfolio · 2 projects" in blocks_of(pmo, "/pmo", "projects")
    answer = kill(pmo, "ZEUS")  # the command, then its confirmation form
    assert "ZEUS" in answer
    with pmo.ctx.db.read() as session:
        zeus = store.project_by_key(session, "ZEUS")
        risks = list(session.scalars(select(Risk).where(Risk.project_id == zeus.id)))
        assert zeus.state == "cancelled"
        assert {(r.status, r.last_note, r.closed_by) for r in risks} == {
            ("closed", "project cancelled", ADMIN)}
        closed = session.scalars(select(AuditEntry).where(AuditEntry.action == "risk.closed"))
        assert sorted(e.subject_id for e in closed) == sorted(str(r.id) for r in risks)
    # each owner is told once, about all of theirs; the admin who decided is not told
    wait_until(lambda: any("ZEUS-R2" in m["text"] for m in dms(pmo, BOB)))
    told = [m["text"] for m in dms(pmo, BOB) if "project cancelled" in m["text"]]
    assert len(told) == 1 and "*ZEUS-R1*, *ZEUS-R2*" in told[0]
    wait_until(lambda: any("ZEUS-R3" in m["text"] for m in dms(pmo, CAROL)))
    assert not [m for m in dms(pmo, ADMIN) if "project cancelled" in m["text"]]

    projects = blocks_of(pmo, "/pmo", "projects")
    assert "Portfolio · 1 project" in projects and "*ZEUS* Zeus project" not in projects
    assert ":red_circle: *Red* 0" in projects  # ZEUS's red is not counted
    assert "_Cancelled or closed, not counted above (1):_ *ZEUS*" in projects
    risks = blocks_of(pmo, "/pmo", "risks")
    assert "APOLLO-R1" in risks and "ZEUS-R" not in risks
    assert "no open risks" in blocks_of(pmo, "/risk", "list ZEUS")
    pmo.driver.event({"type": "app_home_opened", "user": CAROL, "tab": "home",
                      "channel": f"D{CAROL}"})
    pmo.slack.wait_for("views.publish", user_id=CAROL)
    home = str(pmo.slack.home_view(CAROL)["blocks"])
    assert "_Cancelled or closed, not counted above (1):_ *ZEUS*" in home
    assert "Post update" not in home

    run(pmo)  # Monday 10:00: the digest counts what /pmo projects counts; no reminder for ZEUS
    digest = " ".join(str(m["blocks"]) for m in pmo.slack.messages(GENERAL)
                      if m["text"].startswith("PMO digest"))
    assert "*Portfolio health* — 1 project," in digest and "ZEUS-R" not in digest
    assert not [m for m in nudges(pmo, BOB) if "ZEUS" in str(m["blocks"])]
    assert [m for m in nudges(pmo, ALICE) if "APOLLO-R1" in str(m["blocks"])]


def test_projects_filters(pmo):
    add_project(pmo, "HERMES", BOB, at=LONG_AGO, statuses=[(START - timedelta(days=20), "amber")])
    with pmo.ctx.db.write() as session:
        store.project_by_key(session, "HERMES").phase = "execution"

    def keys(text: str) -> list[str]:
        shown = blocks_of(pmo, "/pmo", f"projects {text}", user=ALICE)
        return [k for k in ("APOLLO", "HERMES", "ZEUS") if f"*{k}* {k.title()} project" in shown]

    assert keys("") == ["APOLLO", "HERMES", "ZEUS"]
    assert keys("pm:me") == ["APOLLO"]
    assert keys(f"pm:<@{BOB}|bob>") == ["HERMES"]
    assert keys("phase:execution") == ["HERMES"]
    assert keys("rag:red") == ["ZEUS"]
    assert keys("stale") == ["HERMES"]
    assert keys("rag:amber stale pm:<@UBOB001|bob>") == ["HERMES"]
    assert "No project of the portfolio matches rag:none" in blocks_of(
        pmo, "/pmo", "projects rag:none")


@pytest.mark.parametrize("text, says", [
    ("colour:red", "`colour:red` is not an option here"),
    ("red", "`red` is not a filter of `/pmo projects`"),
    ("rag:purple", "`purple` is not a RAG"),
    ("phase:done", "`done` is not a phase"),
    ("pm:bob", "`bob` is not a person"),
    ("page:0", "`0` is not a page number"),
    ("stale stale", "`stale:` is given twice"),
])
def test_projects_refuses_unknown_filters_clearly(bot, text, says):
    answer = bot.command("/pmo", f"projects {text}").text
    assert says in answer and "Usage: `/pmo projects [pm:@user|me]" in answer


def test_more_than_fit_points_to_a_list_that_has_them_all(database_url, slack):
    """The Home tab shows 40 projects and says `/pmo projects pm:me` lists them all; a page of
    `/pmo projects` that cannot hold every project names the next page, which has the rest."""
    bot = make_bot(database_url, slack, pmo_rules())
    try:
        with bot.ctx.db.write() as session:
            for n in range(700):
                store.add_project(session, key=f"P{n:03d}", name="A rather long project name "
                                  + "x" * 60, pm_id=ALICE if n < 45 else BOB,
                                  channel_id=GENERAL, actor=ADMIN, now=LONG_AGO)
        bot.driver.event({"type": "app_home_opened", "user": ALICE, "tab": "home",
                          "channel": f"D{ALICE}"})
        bot.slack.wait_for("views.publish")
        home = str(bot.slack.home_view(ALICE)["blocks"])
        assert "`/pmo projects pm:me` lists them all" in home
        mine = blocks_of(bot, "/pmo", "projects pm:me", user=ALICE)
        assert all(f"*P{n:03d}*" in mine for n in range(45)) and "*P045*" not in mine

        first = blocks_of(bot, "/pmo", "projects", user=ALICE)
        assert "`/pmo projects page:2` shows the next ones" in first
        second = blocks_of(bot, "/pmo", "projects page:2", user=ALICE)
        seen = {n for n in range(700) if f"*P{n:03d}*" in first or f"*P{n:03d}*" in second}
        assert seen == set(range(700)) and "Page 2" in second
        assert "There is no page 3" in blocks_of(bot, "/pmo", "projects page:3", user=ALICE)
    finally:
        bot.close()
