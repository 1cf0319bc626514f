"""The App Home tab: published on app_home_opened with the person's projects and next steps."""

from __future__ import annotations

from datetime import timedelta

from storage import projects as store
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB
from tests.support.modals import initial


def open_home(bot, user):
    published = len(bot.slack.calls("views.publish"))
    response = bot.driver.event({"type": "app_home_opened", "user": user, "tab": "home",
                                 "channel": f"D{user}"})
    assert response.status == 200
    call = bot.slack.wait_for("views.publish", count=published + 1)[-1]
    assert call.ok, call.response
    return bot.slack.home_view(user)


def texts(view: dict) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if "text" in b)


def test_home_lists_own_projects_with_standing_and_a_post_button(apollo):
    apollo.command("/status", "APOLLO amber Vendor slipped")
    apollo.reply()
    apollo.clock.advance(days=8)
    home = open_home(apollo, ALICE)
    shown = str(home["blocks"])
    assert "*APOLLO* · Apollo data-centre migration" in shown
    assert ":large_yellow_circle: *Amber* (8 days ago)" in shown and "update due" in shown
    [button] = [b["accessory"] for b in home["blocks"] if "accessory" in b]
    assert button["action_id"] == "home_post_update" and button["style"] == "primary"
    assert "/pmo project add" not in shown  # alice is not an admin
    assert "reviews waiting.\n• `/status help`" in texts(home)  # each command on its own line
    assert "`/risk list` — your open risks" in shown and "`/gate request KEY`" in shown
    assert "digest on" not in shown


def test_someone_without_projects_sees_how_to_start(apollo):
    home = open_home(apollo, BOB)
    assert "not the PM of any project" in str(home["blocks"])
    admin_view = texts(open_home(apollo, ADMIN))
    assert "reviews waiting.\n• `/pmo project add" in admin_view
    assert "`/pmo project KEY digest on` — its own weekly digest" in admin_view
    assert "PMO admin).\n• `/status help`" in admin_view


def test_messages_tab_publishes_nothing(apollo):
    apollo.driver.event({"type": "app_home_opened", "user": ALICE, "tab": "messages"})
    assert apollo.slack.calls("views.publish") == []


def test_post_update_button_opens_the_form_prefilled(apollo):
    apollo.command("/status", "APOLLO red Lease lost")
    apollo.reply()
    home = open_home(apollo, ALICE)
    [button] = [b["accessory"] for b in home["blocks"] if "accessory" in b]
    response = apollo.driver.block_action(user=ALICE, action=button, view=home)
    assert response.status == 200
    apollo.slack.wait_for("views.open")
    [form] = apollo.slack.modal_stack(ALICE)
    assert initial(form, "project") == "APOLLO" and initial(form, "overall") == "red"


def test_a_stale_button_gets_a_clear_answer(apollo):
    home = open_home(apollo, ALICE)
    [button] = [b["accessory"] for b in home["blocks"] if "accessory" in b]
    for value in ("garbage", '{"k": 12}'):
        apollo.slack.close_modal(ALICE, close_all=True)
        apollo.driver.block_action(user=ALICE, action={**button, "value": value}, view=home)
        apollo.slack.wait_for("views.open")
        assert "out of date" in str(apollo.slack.modal_stack(ALICE)[0]["blocks"])
        apollo.slack.reset()
    apollo.driver.block_action(user=ALICE, action={**button, "value": '{"k": "GHOST"}'},
                               view=home)
    apollo.slack.wait_for("views.open")
    assert "There is no project *GHOST*" in str(apollo.slack.modal_stack(ALICE)[0]["blocks"])


def test_home_caps_a_long_list(apollo):
    with apollo.ctx.db.write() as session:
        for i in range(45):
            store.add_project(session, key=f"P{i:03d}", name="x", pm_id=ALICE,
                              channel_id=APOLLO_CHANNEL, actor=ADMIN,
                              now=apollo.clock() - timedelta(days=1))
    home = open_home(apollo, ALICE)
    assert len(home["blocks"]) <= 100
    assert "more projects than fit here" in str(home["blocks"])
