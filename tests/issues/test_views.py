"""Issues where the PMO looks (issue 12): the digest's "Open critical and high issues" (first
10 and a count, one statement), `/pmo project KEY` (open issues by severity), the Home tab
("my open issues"), `pmo-bot export issues --format csv`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from pmo_rules.issues import rank
from storage import issues as store
from storage.digest import EXTRA_SECTIONS
from storage.digest_sections import TOP, top_of_each
from storage.projects import project_by_key
from tests.support import ALICE, BOB, START, make_bot
from tests.support.gates import quiesce, wait_until
from tests.support.scheduling import add_project, pmo_rules, run
from tests.test_digest_sections import digest_text


def add(bot, title: str, severity: str, *, key: str = "APOLLO", owner: str = ALICE,
        at=START - timedelta(days=3)) -> None:
    with bot.ctx.db.write() as session:
        store.add(session, project=project_by_key(session, key), title=title,
                  severity=severity, rank=rank(severity), owner=owner, due=None, actor=ALICE,
                  now=at)


def test_the_digest_lists_open_critical_and_high_issues(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    for key in ("APOLLO", "HERA"):
        add_project(bot, key, ALICE, statuses=[(START, "green")])
    add(bot, "Slow VPN", "low")
    add(bot, "Array degraded", "high", key="HERA", owner=BOB, at=START - timedelta(days=5))
    add(bot, "Core switch down", "critical", at=START - timedelta(days=1))
    for n in range(TOP):
        add(bot, f"Printer {n}", "high", at=START - timedelta(hours=1))
    run(bot)
    body = digest_text(slack)
    assert "*Issues*" in body and f"_Open critical and high issues ({TOP + 2})_" in body
    assert ("• *APOLLO-I2* Core switch down — :red_circle: *Critical* · <@UALICE1> · open 1 day"
            in body)
    assert body.index("APOLLO-I2") < body.index("HERA-I1") < body.index("APOLLO-I3")
    assert "Slow VPN" not in body and "…and 2 more." in body
    bot.ctx.db.dispose()


def test_the_issue_section_is_one_statement_whatever_the_log(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, statuses=[(START, "green")])
    section = next(s for s in EXTRA_SECTIONS if s.name == "issues")
    counts = []
    for batch in (1, 30):
        for n in range(batch):
            add(bot, f"Issue {n}", "critical" if n % 2 else "high")
        statements: list[str] = []
        engine = bot.ctx.db.engine

        def listen(*args, statements=statements) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", listen)
        try:
            with bot.ctx.db.read() as session:
                lists = top_of_each(session, section.lists(bot.clock(), bot.ctx.rules))
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")
                           or "UNION" in s.upper()]))
        assert len(lists["serious"].rows) == min(TOP, lists["serious"].total)
    assert counts == [1, 1]
    bot.ctx.db.dispose()


def test_pmo_project_counts_open_issues_and_home_lists_mine(pmo):
    from tests.support.gates import say
    assert "*Open issues:* none" in str(pmo.command("/pmo", "project APOLLO", user=ALICE).json)
    say(pmo, "/issue", "add APOLLO Core switch down sev:critical", ALICE)
    say(pmo, "/issue", "add APOLLO Array degraded sev:high", ALICE)
    say(pmo, "/issue", f"add APOLLO Rack label sev:high owner:<@{BOB}|bob>", ALICE)
    say(pmo, "/issue", "add APOLLO Slow VPN sev:low", ALICE)
    say(pmo, "/issue", "resolve APOLLO-I4 Fixed", ALICE)
    card = str(pmo.command("/pmo", "project APOLLO", user=ALICE).json)
    assert ("*Open issues:* :red_circle: *Critical* 1 · :large_orange_circle: *High* 2 · "
            "`/issue list APOLLO`") in card
    pmo.driver.event({"type": "app_home_opened", "user": ALICE, "tab": "home",
                      "channel": "D0ALICE"})
    wait_until(lambda: pmo.slack.home_view(ALICE) is not None)
    home = str(pmo.slack.home_view(ALICE)["blocks"])
    assert "*Your open issues* (2)" in home and "APOLLO-I1" in home and "APOLLO-I3" not in home
    quiesce(pmo)


def test_export_issues_as_csv(pmo):
    from tests.support.gates import say
    from tests.support.risks import add as add_risk
    from tests.test_exports import pmo_bot, rows
    say(pmo, "/issue", f"add APOLLO =SUM(A1) array sev:high owner:<@{BOB}|bob> due:2026-12-08",
        ALICE)
    add_risk(pmo, "SAN may slip p:2 i:2")
    with pmo.ctx.db.write() as session:  # raised from the risk, as the button does
        from storage.risks import Risk
        risk = session.query(Risk).one()
        store.add(session, project=project_by_key(session, "APOLLO"), title="SAN late",
                  severity="medium", rank=rank("medium"), owner=ALICE, due=None, actor=ALICE,
                  now=pmo.clock(), risk_id=risk.id, risk_ref="APOLLO-R1")
    say(pmo, "/issue", "resolve APOLLO-I2 Delivered", ALICE)
    done = pmo_bot(pmo, "issues", "--format", "csv")
    assert done.returncode == 0, done.stderr
    found = rows(done.stdout)
    assert [(r["id"], r["severity"], r["status"], r["owner"], r["due_on"], r["risk"])
            for r in found] == [("APOLLO-I1", "high", "open", BOB, "2026-12-08", ""),
                                ("APOLLO-I2", "medium", "resolved", ALICE, "", "APOLLO-R1")]
    assert found[0]["title"] == "'=SUM(A1) array"
    assert found[1]["resolution"] == "Delivered" and "owner_name" in found[0]
    quiesce(pmo)
