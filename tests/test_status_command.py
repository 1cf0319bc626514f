"""`/status` and `/pmo project add` driven as Slack drives them: signed requests in, Web API out."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.audit import AuditEntry
from storage.outbox import Delivery
from storage.projects import Project, StatusUpdate
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, GENERAL


def count(bot, model) -> int:
    with bot.ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_admin_adds_project_from_any_channel(bot):
    response = bot.command("/pmo", f"project add APOLLO Apollo data-centre migration "
                                   f"pm:<@{ALICE}|alice> channel:<#{APOLLO_CHANNEL}|apollo>",
                           user=ADMIN, channel=GENERAL)
    assert response.status == 200
    assert "Project *APOLLO*" in bot.reply()
    with bot.ctx.db.read() as session:
        project = session.scalar(select(Project))
        assert (project.key, project.pm_id, project.channel_id) == ("APOLLO", ALICE, APOLLO_CHANNEL)
        audit = session.scalar(select(AuditEntry))
        assert (audit.action, audit.actor_id) == ("project.added", ADMIN)


def test_project_defaults_pm_to_caller_and_channel_to_here(bot):
    bot.command("/pmo", "project add ZEUS Zeus CRM", user=ADMIN, channel=GENERAL)
    bot.reply()
    with bot.ctx.db.read() as session:
        project = session.scalar(select(Project))
        assert (project.pm_id, project.channel_id) == (ADMIN, GENERAL)


def test_non_admin_cannot_add_project(bot):
    response = bot.command("/pmo", "project add ZEUS Zeus CRM", user=BOB)
    assert "Only PMO admins can add projects" in response.text
    assert count(bot, Project) == 0


def test_duplicate_key_is_refused(apollo):
    apollo.command("/pmo", "project add APOLLO Again", user=ADMIN)
    assert "already exists" in apollo.reply()
    assert count(apollo, Project) == 1


def test_pm_posts_status_and_card_goes_to_channel(apollo):
    response = apollo.command("/status", "APOLLO amber Vendor API slipped two weeks")
    assert response.status == 200
    assert "recorded" in apollo.reply()
    [call] = apollo.slack.wait_for("chat.postMessage", channel=APOLLO_CHANNEL)
    card = call.args
    rendered = str(card["blocks"])
    assert "APOLLO · Apollo data-centre migration" in rendered
    assert ":large_yellow_circle: *Amber*" in rendered  # emoji and word, never colour alone
    assert "Vendor API slipped two weeks" in rendered
    assert f"<@{ALICE}>" in rendered
    assert "Amber" in card["text"]
    with apollo.ctx.db.read() as session:
        delivery = session.scalar(select(Delivery))
        assert delivery.state == "sent" and delivery.slack_ts
        status = session.scalar(select(StatusUpdate))
        assert status.card_delivery_id == delivery.id and status.overall == "amber"


def test_rag_words_in_every_accepted_form(apollo):
    for word, stored in (("GREEN", "green"), ("r", "red"), ("黄", "amber"), ("Amber", "amber")):
        apollo.command("/status", f"APOLLO {word} update")
        apollo.slack.wait_for_response(1)
        apollo.slack.reset()
        with apollo.ctx.db.read() as session:
            latest = session.scalars(select(StatusUpdate).order_by(StatusUpdate.id.desc())).first()
            assert latest.overall == stored


def test_bad_inputs_get_clear_answers_and_store_nothing(apollo):
    cases = {
        "NOPE green fine": "There is no project *NOPE*",
        "APOLLO purple fine": "`purple` is not a RAG colour",
        "APOLLO green": "Add a short summary",
        "apollo-1 green x": "is not a valid project KEY",
        f"APOLLO red {'x' * 2001}": "Slack shows at most 2000",
    }
    for text, expected in cases.items():
        response = apollo.command("/status", text)
        assert response.status == 200
        assert expected in response.text, text
        assert "Usage:" in response.text or "no project" in response.text
    assert count(apollo, StatusUpdate) == 0
    assert apollo.slack.calls("chat.postMessage") == []


def test_only_pm_and_admins_may_post(apollo):
    response = apollo.command("/status", "APOLLO green all good", user=BOB)
    assert "only its PM" in response.text
    assert count(apollo, StatusUpdate) == 0
    apollo.command("/status", "APOLLO green all good", user=ADMIN)
    apollo.reply()
    assert count(apollo, StatusUpdate) == 1


def test_key_only_shows_latest_to_caller(apollo):
    assert "has no status update yet" in apollo.command("/status", "APOLLO", user=BOB).text
    apollo.command("/status", "APOLLO red Data centre lease lost")
    apollo.reply()
    shown = apollo.command("/status", "APOLLO", user=BOB).json
    assert "Data centre lease lost" in str(shown["blocks"])


def test_escaped_text_is_stored_readably(apollo):
    apollo.command("/status", f"APOLLO green Met <@{BOB}|bob> &amp; vendor &lt;ok&gt;")
    apollo.reply()
    with apollo.ctx.db.read() as session:
        assert session.scalar(select(StatusUpdate.summary)) == "Met @bob & vendor <ok>"
    [call] = apollo.slack.wait_for("chat.postMessage")
    assert "&lt;ok&gt;" in str(call.args["blocks"])  # escaped again for mrkdwn


def test_card_not_lost_when_slack_fails(apollo):
    apollo.slack.fail_next("chat.postMessage", error="internal_error", times=1)
    apollo.command("/status", "APOLLO green Still fine")
    apollo.reply()
    with apollo.ctx.db.read() as session:
        delivery = session.scalar(select(Delivery))
        assert delivery.state == "pending" and delivery.attempts == 1
    apollo.clock.advance(minutes=5)
    assert apollo.ctx.sender.send_due()[0].ok
    assert apollo.slack.messages(APOLLO_CHANNEL)[-1]["text"].startswith("APOLLO status")


def test_not_in_channel_tells_the_author_with_the_fix(apollo):
    apollo.slack.set_not_in_channel(APOLLO_CHANNEL)
    apollo.command("/status", "APOLLO green Still fine")
    apollo.reply()
    dm = apollo.slack.wait_for("chat.postMessage", channel=ALICE)
    assert "/invite @PMO Bot" in dm[0].args["text"]


def test_help_explains_every_command(bot):
    text = bot.command("/status", "help").text
    assert "/status edit APOLLO" in text and "/status APOLLO amber" in text
    text = bot.command("/pmo", "help").text
    assert "/pmo projects" in text and "/pmo project add" in text


def test_forged_and_stale_signatures_are_rejected(apollo):
    body = b"command=%2Fstatus&text=APOLLO+green+x&user_id=UALICE1&channel_id=CAPOLLO1"
    assert apollo.driver.post(body, signature="v0=deadbeef").status == 401
    assert apollo.driver.post(body, signature="").status == 401
    import time
    assert apollo.driver.post(body, timestamp=int(time.time()) - 301).status == 401
    assert count(apollo, StatusUpdate) == 0


def test_healthz(bot):
    assert bot.driver.call("GET", "/healthz").status == 200
