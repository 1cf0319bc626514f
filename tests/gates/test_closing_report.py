"""The closing report: when the closing gate passes (signed clicks on the gate card), a card to
the project channel and the digest channel with planned vs actual, what happened, and the RAG
history as a picture in the card's thread."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image

from pmo_rules.approvals import Electorate
from storage import changes as change_store
from storage import issues as issue_store
from storage import lessons as lesson_store
from storage import plans as plan_store
from storage import projects as project_store
from storage import risks as risk_store
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL
from tests.support.gates import click, gate_rules, project, request_gate, wait_until


def closing_rules():
    rules = gate_rules()
    return replace(rules, pmo=replace(rules.pmo, digest_channel=GENERAL))


def history(bot) -> None:
    """APOLLO's life: a baselined plan, two updates (the last with its cost to date), a risk
    that occurred and one still open, two issues, an approved and a rejected change, a lesson;
    three weeks after it was registered."""
    now = bot.clock.advance(days=21)
    with bot.ctx.db.write() as session:
        apollo = project_store.project_by_key(session, "APOLLO")
        plan_store.save_plan(session, project=apollo, actor=ADMIN, now=now, baseline=True,
                             values={"start_on": date(2026, 9, 1),
                                     "finish_on": date(2026, 11, 20),
                                     "budget": Decimal("400000")})
        for days, rag, cost in ((20, "amber", None), (3, "green", Decimal("430000"))):
            project_store.add_status(session, project=apollo, author=ALICE, now=now - timedelta(
                days=days), values={"overall": rag, "summary": "s", "actual_cost": cost})
        for title, status in (("Vendor slips", "occurred"), ("Power cut", "open")):
            risk_store.add_risk(session, project=apollo, actor=ALICE, now=now, values=dict(
                title=title, probability=3, impact=4, owner_id=ALICE, response=None,
                due_on=None, next_review_on=date(2026, 12, 20), status=status,
                description=None, trigger=None))
        for title in ("Racks late", "DNS cut-over failed"):
            issue_store.add(session, project=apollo, title=title, severity="high", rank=1,
                            owner=ALICE, due=None, actor=ALICE, now=now)
        for title, state in (("Add a DR site", "approved"), ("Gold taps", "rejected")):
            request = change_store.add_request(
                session, project=apollo, requester=ALICE, now=now, title=title,
                schedule_days=5, new_finish=None, cost_delta=None, scope="", moves=[],
                electorate=Electorate((BOB,), 1, "any"))
            change_store.decide(session, request=request, state=state, actor=BOB, now=now)
        lesson_store.add(session, project=apollo, learned="Freeze the DNS runbook a week early",
                         happened="", recommendation="", category="schedule", tags=("dns",),
                         went="badly", actor=ALICE, now=now)


def close_apollo(bot) -> None:
    for _ in range(4):
        request_gate(bot)
        for approver in (BOB, CAROL) if project(bot).phase == "planning" else (BOB,):
            click(bot, approver)


def reports(slack, channel: str) -> list[dict]:
    return [m for m in slack.messages(channel) if "closing report" in m["text"]]


def test_closing_gate_posts_the_report_to_the_project_and_digest_channels(gate_bot):
    bot = gate_bot(closing_rules())
    history(bot)
    close_apollo(bot)
    assert (project(bot).phase, project(bot).state) == ("closed", "closed")
    slack = bot.slack
    wait_until(lambda: len(slack.files()) == 2)
    for channel in (APOLLO_CHANNEL, GENERAL):
        [card] = reports(slack, channel)
        assert card["text"] == ("APOLLO is closed: closing report (1 risks occurred, 2 issues, "
                                "1 changes approved, 1 lessons).")
        body = str(card["blocks"])
        assert "*Planned (baseline)*\\n2026-09-01 → 2026-11-20" in body
        assert "closed 2026-12-14 (24 days late)" in body
        assert "430,000" in body and "400,000" in body and "30,000" in body and "7.5%" in body
        assert "APOLLO-R1 Vendor slips" in body and "Power cut" not in body
        assert "APOLLO-I1 Racks late" in body and "APOLLO-I2 DNS cut-over failed" in body
        assert "APOLLO-C1 Add a DR site" in body and "Gold taps" not in body
        assert "Freeze the DNS runbook a week early" in body
        [file] = slack.files(channel)
        assert file["thread_ts"] == card["ts"] and file["name"] == "rag-APOLLO-2026-12-14.png"
        assert "APOLLO's overall RAG" in file["alt_txt"] and "green now" in file["alt_txt"]
        image = Image.open(io.BytesIO(file["data"]))
        assert image.format == "PNG" and image.size == (800, 450)


def test_closing_report_without_a_plan_says_so_and_a_rejected_gate_posts_none(gate_bot):
    bot = gate_bot(closing_rules())
    for _ in range(3):
        request_gate(bot)
        for approver in (BOB, CAROL) if project(bot).phase == "planning" else (BOB,):
            click(bot, approver)
    assert project(bot).phase == "closing"
    assert not reports(bot.slack, APOLLO_CHANNEL) and not reports(bot.slack, GENERAL)
    request_gate(bot)
    click(bot, BOB)
    wait_until(lambda: len(reports(bot.slack, GENERAL)) == 1)
    body = str(reports(bot.slack, APOLLO_CHANNEL)[0]["blocks"])
    assert "none was recorded, so planned against actual cannot be shown" in body
    assert "*Risks that occurred* (0): none" in body
    # Registered today, no update: the chart shows it without a status.
    wait_until(lambda: len(bot.slack.files()) == 2)
    assert "It was without a status at the start and is without a status now" in (
        bot.slack.files(GENERAL)[0]["alt_txt"])


def test_closing_card_in_chinese_within_slack_limits():
    from zoneinfo import ZoneInfo

    from bot.standin.limits import message_problems
    from pmo_rules.closing import plan_vs_actual
    from templates.render import Renderer

    figures = plan_vs_actual(planned_start=date(2026, 9, 1), planned_finish=date(2026, 11, 20),
                             budget=400000.0, baseline=False, actual_start=date(2026, 8, 20),
                             actual_finish=date(2026, 11, 18), actual_cost=380000.0)
    report = {"key": "APOLLO", "name": "阿波罗", "closed_on": "2026-11-18",
              "registered": "2026-08-20", "figures": figures, "currency": "CNY",
              "risks": [f"APOLLO-R{n} 供应商延误" for n in range(10)], "risk_count": 12,
              "issues": [], "issue_count": 0, "open_issues": 0, "changes": [],
              "change_count": 0, "lessons": [{"ref": "L-1", "learned": "割接前一周冻结手册"}],
              "lesson_count": 1}
    message = Renderer("zh", ZoneInfo("Asia/Shanghai")).message(
        "closing_report", "closing.text", report=report)
    body = str(message.blocks)
    assert message.text.startswith("APOLLO 已关闭：收尾报告")
    assert "早 2 天" in body and "节余" in body and "…… 另有 2 个" in body
    assert "*提出的问题* · 0 个，无" in body
    assert message_problems(message.blocks, message.text) == []
