"""Charts as pictures: what they show (pure), the PNG itself (decoded and looked at), the
weekly digest's chart thread and `/pmo chart` end to end through signed requests and the
stand-in's files_upload_v2 handshake."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from pmo_rules import charts as rules
from pmo_rules.config.risk import RiskLevels
from pmo_rules.errors import UserError
from services import charts
from templates.render import Renderer
from tests.support import ALICE, BOB, GENERAL, START, make_bot
from tests.support.scheduling import add_project, deliveries, pmo_rules, run
from tests.test_reminder_sources import TODAY, add_risk

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
WEEK = timedelta(days=7)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_chart_png(data: bytes) -> None:
    """A real PNG, the agreed size, under 200 KB, and not blank: the data's colours cover
    hundreds of pixels (empty axes with a title and labels are white, black and grey only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) < 200_000
    image = picture(data).convert("RGB")
    assert image.size == (800, 450)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 20
    coloured = sum(n for n, rgb in colours if max(rgb) - min(rgb) > 60)
    assert coloured > 800


# ---------------------------------------------------------------------------------------------
# What the charts show (pure)
# ---------------------------------------------------------------------------------------------


def test_rag_history_counts_each_project_at_each_week_end():
    projects = [(1, NOW - 20 * WEEK), (2, NOW - 3 * WEEK)]
    updates = [(1, NOW - 15 * WEEK, "green"),  # before the window: what it started at
               (1, NOW - 5 * WEEK, "red"), (2, NOW - 2 * WEEK, "amber")]
    chart = rules.rag_history(projects, updates, NOW, SHANGHAI)
    counts = chart["counts"]
    assert len(chart["weeks"]) == 12 and chart["weeks"][-1] == "2026-11-30"
    assert counts["green"][0] == 1 and counts["red"][0] == 0
    assert counts["red"][-1] == 1 and counts["amber"][-1] == 1
    # Project 2 counts from the week it was registered, as "none" until its first update.
    assert [counts["none"][n] for n in (7, 8, 9, 10, 11)] == [0, 0, 1, 0, 0]
    assert sum(counts[b][0] for b in rules.BANDS) == 1
    assert rules.rag_summary(chart)["last"] == {"green": 0, "amber": 1, "red": 1, "none": 0}


def test_heat_map_levels_and_busiest_cell():
    chart = rules.risk_heat({(4, 5): 3, (1, 1): 1, (2, 3): 2}, 5, RiskLevels())
    assert chart["grid"][0][3] == 3  # impact 5 is the top row, probability 4 the fourth column
    assert chart["levels"][0][4] == "critical" and chart["levels"][4][0] == "low"
    assert chart["by_level"] == {"low": 1, "medium": 2, "high": 0, "critical": 3}
    assert rules.heat_summary(chart)["busiest"] == {"count": 3, "probability": 4, "impact": 5}


def test_indicator_points_leave_out_projects_without_both_indices():
    chart = rules.indicator_points([("B", 0.8, 1.1), ("A", 1.2, 0.9), ("C", None, 1.0),
                                    ("D", 0.7, 0.6)])
    assert [(p["key"], p["quadrant"]) for p in chart["points"]] == [
        ("A", rules.OVER), ("B", rules.LATE), ("D", rules.BOTH)]
    assert rules.indicator_summary(chart)["worst"]["key"] == "D"


@pytest.mark.parametrize("words, key", [([], "chart.usage"), (["pie"], "chart.usage"),
                                        (["rag", "APOLLO", "x"], "chart.usage"),
                                        (["rag", "not a key!"], None)])
def test_chart_command_refuses_what_it_does_not_know(words, key):
    with pytest.raises(UserError) as refused:
        rules.parse_chart(words)
    assert key is None or refused.value.key == key
    assert rules.parse_chart(["RISKS", "apollo"]) == rules.ChartRequest("risks", "APOLLO")


# ---------------------------------------------------------------------------------------------
# The pictures
# ---------------------------------------------------------------------------------------------


def sample_charts() -> list[dict]:
    projects = [(n, NOW - 30 * WEEK) for n in range(30)]
    updates = [(n, NOW - w * WEEK, ("green", "amber", "red")[(n + w) % 3])
               for n in range(30) for w in range(13)]
    return [rules.rag_history(projects, updates, NOW, SHANGHAI),
            rules.risk_heat({(p, i): p + i for p in range(1, 6) for i in range(1, 6)}, 5,
                            RiskLevels()),
            rules.indicator_points([(f"P{n}", 0.7 + n / 50, 1.3 - n / 40) for n in range(30)]),
            rules.rag_history(projects[:1], updates, NOW, SHANGHAI, subject="APOLLO")]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_every_chart_is_a_readable_png_with_alt_text(locale):
    renderer = Renderer(locale, SHANGHAI)
    for chart in sample_charts():
        args = charts.upload_args(renderer, {"chart": chart, "day": "2026-11-30"})
        assert_chart_png(args["file"])
        assert args["filename"].endswith("2026-11-30.png")
        assert 40 < len(args["alt_txt"]) <= 1000
        assert args["title"] in args["initial_comment"]
    alt = charts.alt_text(renderer, sample_charts()[1])
    assert ("150 open risks" in alt) if locale == "en" else ("150 个未关闭风险" in alt)


def test_chinese_is_drawn_with_the_bundled_cjk_font():
    """The title in Chinese draws glyphs, not empty boxes: the CJK font draws more ink than
    DejaVu Sans's missing-glyph boxes do, so the two renderings differ."""
    from matplotlib import font_manager

    family = charts._font()
    assert family[0] == "Noto Sans SC"
    found = font_manager.findfont(font_manager.FontProperties(family=family[0]),
                                  fallback_to_default=False)
    assert found.endswith("NotoSansSC-Regular.otf")
    chart = sample_charts()[1]
    chinese = picture(charts.render_png(Renderer("zh", SHANGHAI), chart)).convert("L")
    english = picture(charts.render_png(Renderer("en", SHANGHAI), chart)).convert("L")
    assert chinese.tobytes() != english.tobytes()


# ---------------------------------------------------------------------------------------------
# End to end: the digest's thread and /pmo chart
# ---------------------------------------------------------------------------------------------


def test_weekly_digest_thread_carries_the_charts(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=START - 5 * WEEK,
                statuses=[(START - 4 * WEEK, "green"), (START - timedelta(days=1), "red")])
    add_project(bot, "HERA", BOB, at=START - 5 * WEEK, statuses=[(START - 2 * WEEK, "amber")])
    add_risk(bot, review=TODAY + timedelta(days=3), score=(4, 5))
    add_risk(bot, review=TODAY + timedelta(days=3), score=(1, 2), title="Printer")
    run(bot)
    [digest] = [m for m in slack.messages(GENERAL) if m["text"].startswith("PMO digest")]
    files = slack.files(GENERAL)
    # No project has a plan: the SPI/CPI chart is left out.
    assert [f["name"] for f in files] == ["rag-2026-11-23.png", "risks-2026-11-23.png"]
    assert {f["thread_ts"] for f in files} == {digest["ts"]}
    for file in files:
        assert_chart_png(file["data"])
    rag, risks = (f["alt_txt"] for f in files)
    assert "Now: 0 green, 1 amber, 1 red, 0 without a status (2 projects)" in rag
    assert "2 open risks" in risks and "1 critical" in risks and "1 low" in risks
    replies = [m for m in slack.messages(GENERAL) if m.get("files")]
    assert [m["thread_ts"] for m in replies] == [digest["ts"]] * 2
    assert all(d.state == "sent" for d in deliveries(bot, charts.CHART))
    # The next tick plans nothing again: the charts ride on the digest's once-a-week key.
    run(bot)
    assert len(slack.files(GENERAL)) == 2
    bot.close()


def test_chart_command_sends_the_picture_to_the_caller_only(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=START - 3 * WEEK,
                statuses=[(START - 2 * WEEK, "amber"), (START - timedelta(days=1), "green")])
    response = bot.command("/pmo", "chart rag APOLLO", user=BOB)
    assert response.status == 200
    assert "Drawing the RAG history chart of *APOLLO*" in response.text
    slack.wait_for("files.completeUploadExternal")
    bot.close()
    [file] = slack.files()
    assert file["channel"] == f"D{BOB}" and file["name"] == "rag-APOLLO-2026-11-23.png"
    assert "APOLLO's overall RAG" in file["alt_txt"] and "is green now" in file["alt_txt"]
    assert_chart_png(file["data"])
    assert not slack.messages(GENERAL) and not slack.messages(ALICE)


def test_chart_command_refusals_change_nothing(database_url, slack):
    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE)
    pie = bot.command("/pmo", "chart pie", user=BOB).text
    assert "`pie` is not a chart" in pie and "/pmo chart rag|risks|indicators" in pie
    assert "There is no project *ZEUS*" in bot.command("/pmo", "chart rag ZEUS").text
    # Nothing to draw: no project has both indices yet.
    bot.command("/pmo", "chart indicators", user=BOB)
    assert "nothing to draw for the SPI vs CPI chart" in bot.reply()
    bot.close()
    assert not slack.files() and not deliveries(bot, charts.CHART)


def test_chart_in_chinese_and_upload_needs_files_write(database_url, slack):
    base = pmo_rules()
    bot = make_bot(database_url, slack, replace(base, pmo=replace(base.pmo, locale="zh")))
    add_project(bot, "APOLLO", ALICE)
    add_risk(bot, review=TODAY + timedelta(days=3), score=(3, 3))
    slack.set_scopes(frozenset({"chat:write", "commands", "im:write"}))
    bot.command("/pmo", "chart risks", user=BOB)
    slack.wait_for("files.getUploadURLExternal")
    slack.set_scopes(None)
    bot.close()
    assert not slack.files()
    [failed] = deliveries(bot, charts.CHART)
    assert failed.last_error == "missing_scope" and failed.state == "pending"
    bot.clock.advance(minutes=5)
    run(bot)
    [file] = slack.files(BOB)
    assert file["alt_txt"].startswith("热力图：项目组合的 1 个未关闭风险")
    assert_chart_png(file["data"])


def test_standin_refuses_uploads_slack_would_refuse(slack):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=slack.base_url)

    def error(call) -> str:
        with pytest.raises(SlackApiError) as refused:
            call()
        return refused.value.response["error"]

    assert error(lambda: client.files_getUploadURLExternal(
        filename="a.png", length=10, alt_txt="x" * 1001)) == "invalid_arguments"
    assert error(lambda: client.files_getUploadURLExternal(filename="", length=10)) == (
        "invalid_arguments")
    issued = client.files_getUploadURLExternal(filename="a.png", length=3)
    never_sent = [{"id": issued["file_id"], "title": "A"}]
    assert error(lambda: client.files_completeUploadExternal(
        files=never_sent, channel_id=GENERAL)) == "file_not_uploaded"
    slack.set_not_in_channel(GENERAL)
    assert error(lambda: client.files_upload_v2(channel=GENERAL, content=b"png",
                                                filename="b.png")) == "not_in_channel"
    slack.set_not_in_channel(GENERAL, False)
    done = client.files_upload_v2(channel=GENERAL, content=b"png", filename="c.png",
                                  alt_txt="Three bytes", initial_comment="Look")
    [file] = slack.files(GENERAL)
    assert (file["id"], file["name"], file["data"], file["alt_txt"]) == (
        done["file"]["id"], "c.png", b"png", "Three bytes")
    [message] = slack.messages(GENERAL)
    assert message["text"] == "Look" and message["files"][0]["name"] == "c.png"


def test_confidential_projects_stay_out_of_the_digest_charts_and_others_charts(database_url,
                                                                              slack):
    """Who sees what (issue 15): the digest goes to a channel, so its charts leave out a
    confidential project as its text does; `/pmo chart` leaves it out for whoever may not
    see it, and keeps it for its PM."""
    from storage import projects as store

    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=START - 5 * WEEK,
                statuses=[(START - timedelta(days=1), "red")])
    add_project(bot, "HERA", BOB, at=START - 5 * WEEK, statuses=[(START - 2 * WEEK, "amber")])
    with bot.ctx.db.write() as session:
        store.set_confidential(session, project=store.project_by_key(session, "HERA"), on=True,
                               actor="UADMIN1", now=START)
    run(bot)
    [rag] = [f["alt_txt"] for f in slack.files(GENERAL) if f["name"].startswith("rag-")]
    assert "0 amber, 1 red, 0 without a status (1 project)" in rag
    for user, count in ((ALICE, "1 project"), (BOB, "2 projects")):
        before = len(slack.files(f"D{user}"))
        bot.command("/pmo", "chart rag", user=user)
        slack.wait_for("files.completeUploadExternal", count=len(slack.calls(
            "files.completeUploadExternal")) + 1)
        files = slack.files(f"D{user}")
        assert len(files) == before + 1
        assert f"({count})" in files[-1]["alt_txt"], files[-1]["alt_txt"]
    bot.close()


def test_a_slipped_milestone_adds_the_slip_chart_to_the_digest_thread(database_url, slack):
    """Issue 14: the digest's thread has the milestone slip where a milestone slipped."""
    from datetime import date
    from decimal import Decimal

    from storage import milestones as milestone_store
    from storage import plans as plan_store
    from storage import projects as store

    bot = make_bot(database_url, slack, pmo_rules())
    add_project(bot, "APOLLO", ALICE, at=START - 5 * WEEK,
                statuses=[(START - timedelta(days=1), "amber")])
    with bot.ctx.db.write() as session:
        project = store.project_by_key(session, "APOLLO")
        row = milestone_store.add(session, project=project, title="Racks delivered",
                                  due=date(2026, 11, 2), owner=ALICE, weight=1, actor=ALICE,
                                  now=START - 4 * WEEK)
        plan_store.save_plan(session, project=project, actor=ALICE, now=START - 4 * WEEK,
                             baseline=True, values={"start_on": date(2026, 9, 1),
                                                    "finish_on": date(2027, 3, 1),
                                                    "budget": Decimal("400000")})
        milestone_store.set_forecast(session, project=project, row=row, on=date(2026, 12, 14),
                                     reason="vendor", actor=ALICE, now=START - 3 * WEEK)
    run(bot)
    [digest] = [m for m in slack.messages(GENERAL) if m["text"].startswith("PMO digest")]
    slips = [f for f in slack.files(GENERAL) if f["name"].startswith("slip-")]
    assert len(slips) == 1 and slips[0]["thread_ts"] == digest["ts"]
    assert_chart_png(slips[0]["data"])
    assert "APOLLO" in slips[0]["alt_txt"], slips[0]["alt_txt"]
    bot.close()
