"""Options typed as `name:value`: a mistyped or repeated one is refused, never read as text."""

from __future__ import annotations

from sqlalchemy import select

from storage.projects import Project
from tests.support import ADMIN, BOB
from tests.support.risks import add, count, risk, row

RISK_OPTIONS = ("Options: `p:`, `i:`, `owner:`, `due:`, `review:`, `response:`, `status:`, "
                "`note:`, `desc:`, `trigger:`.")


def test_a_mistyped_risk_option_is_named_with_the_accepted_ones(apollo):
    said = risk(apollo, f"add APOLLO Typo test p:3 i:3 onwer:<@{BOB}|bob>")
    assert f"`onwer:<@{BOB}|bob>` is not an option here. {RISK_OPTIONS}" in said
    assert "Nothing was saved." in said and "Usage:" in said
    assert "`foo:bar` is not an option here" in risk(apollo, "add APOLLO Typo test p:3 i:3 foo:bar")
    assert count(apollo) == 0


def test_a_repeated_risk_option_is_refused(apollo):
    said = risk(apollo, "add APOLLO Slip p:3 i:2 p:4")
    assert "`p:` is given twice; give it once." in said
    assert count(apollo) == 0


def test_update_refuses_mistyped_and_repeated_options(apollo):
    add(apollo)
    assert "`stauts:mitigating` is not an option here" in risk(
        apollo, "update APOLLO-R1 stauts:mitigating")
    assert "`i:` is given twice" in risk(apollo, "update APOLLO-R1 i:2 i:3")
    assert (row(apollo).impact, row(apollo).status) == (5, "open")


def test_links_and_plain_colons_stay_in_the_title(apollo):
    add(apollo, "Vendor: see https://example.com/api and <https://x.org/a|spec> at 10:30 p:1 i:1")
    assert row(apollo).title == ("Vendor: see https://example.com/api and spec (https://x.org/a) "
                                 "at 10:30")


def test_project_add_refuses_a_mistyped_option_and_reads_a_full_width_colon(bot):
    refused = bot.command("/pmo", f"project add RAW6 Name pn:<@{BOB}|bob>", user=ADMIN)
    assert ("`pn:<@UBOB001|bob>` is not an option here. Options: `pm:`, `channel:`, "
            "`confidential:`.") in refused.text
    bot.command("/pmo", f"project add RAW7 中文项目 pm：<@{BOB}|bob>", user=ADMIN)
    assert "RAW7" in bot.reply()
    with bot.ctx.db.read() as session:
        [project] = session.scalars(select(Project)).all()
    assert (project.key, project.name, project.pm_id) == ("RAW7", "中文项目", BOB)


def test_gate_decide_refuses_a_mistyped_until(apollo):
    said = apollo.command("/gate", "decide APOLLO hold untill:2027-02-01 Budget", user=ADMIN)
    assert "`untill:2027-02-01` is not an option here. Options: `until:`." in said.text



def test_the_project_added_reply_and_card_escape_the_name(bot):
    bot.command("/pmo", "project add RAW5 Name &amp; &lt;stuff&gt; *bold* &lt;!channel&gt;",
                user=ADMIN)
    reply = bot.reply()
    assert "RAW5* — Name &amp; &lt;stuff&gt; *bold* &lt;!channel&gt; added." in reply
    assert "<!channel>" not in reply and "<stuff>" not in reply
    with bot.ctx.db.read() as session:
        assert session.scalar(select(Project.name)) == "Name & <stuff> *bold* <!channel>"
    card = bot.command("/pmo", "project RAW5", user=ADMIN).json
    assert "<!channel>" not in card["text"] and "&lt;!channel&gt;" in card["text"]
