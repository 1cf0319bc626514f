"""`/pmo project KEY pm|rename|channel`, the approver sets refused (or warned) when they could
not decide, the shared-channel warning, and "no such command" for `/gate` and `/pmo`."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from pmo_rules.config import GateRule
from storage.audit import AuditEntry
from tests.support import ADMIN, ALICE, APOLLO_CHANNEL, BOB, CAROL, GENERAL
from tests.support.gates import gate_rules, project, request_gate, requests, say


def audit(bot, action: str) -> list[tuple[dict, dict]]:
    with bot.ctx.db.read() as session:
        return [(e.before, e.after) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def admin(bot, text: str) -> str:
    return say(bot, "/pmo", text, ADMIN)


# --- approver sets that could not decide ---------------------------------------------------

def test_the_pm_as_only_approver_without_self_approval_is_refused_with_what_to_type(gated):
    said = admin(gated, f"project APOLLO approvers planning <@{ALICE}|alice>")
    assert said.startswith(":warning: Nothing was saved:")
    assert f"<@{ALICE}> would be the only approver of the *Planning* gate of *APOLLO* while " \
           "being its PM" in said
    assert f"Name another approver besides <@{ALICE}>: `/pmo project APOLLO approvers " \
           "planning @user…`" in said
    assert audit(gated, "gate.approvers_set") == []
    assert f"now approved by <@{ALICE}>, <@{BOB}>" in admin(
        gated, f"project APOLLO approvers planning <@{ALICE}|alice> <@{BOB}|bob>")


def test_a_quorum_above_the_approvers_who_may_vote_is_refused(gated):
    said = admin(gated, f"project APOLLO approvers initiation <@{ALICE}|alice> "
                        f"<@{BOB}|bob> quorum:2")
    assert "Nothing was saved" in said and "would need 2 approvals and has only 1 approver " \
        f"who can vote (<@{ALICE}>, the PM, can't approve their own request)" in said
    assert "Type the same approvers with `quorum:all` instead" in said
    assert audit(gated, "gate.approvers_set") == []
    three = admin(gated, f"project APOLLO approvers initiation {BOB} {CAROL} {ADMIN} quorum:4")
    assert "with `quorum:all` or `quorum:3` instead" in three


def test_going_back_to_undecidable_rules_is_saved_with_a_warning(gate_bot):
    bot = gate_bot(gate_rules(execution=GateRule(approvers=(ALICE,))))
    admin(bot, f"project APOLLO approvers execution {BOB}")
    said = admin(bot, "project APOLLO approvers execution default")
    assert "uses the rules file's approvers again" in said
    assert ":warning: Saved, but" in said and "could never pass" in said
    assert len(audit(bot, "gate.approvers_set")) == 2


def test_self_approval_lets_the_pm_approve_alone(gate_bot):
    bot = gate_bot(gate_rules(self_approval=True))
    assert "now approved by" in admin(bot, f"project APOLLO approvers planning {ALICE}")


# --- the PM, the name, the channel -----------------------------------------------------------

def test_admin_changes_the_pm_audited_and_others_are_refused(gated):
    refused = gated.command("/pmo", f"project APOLLO pm <@{BOB}|bob>", user=ALICE)
    assert "Only PMO admins can change a project's PM, name or channel" in refused.text
    said = admin(gated, f"project APOLLO pm <@{BOB}|bob>")
    assert f"*APOLLO*'s PM is now <@{BOB}> (was <@{ALICE}>)" in said
    assert project(gated).pm_id == BOB
    assert audit(gated, "project.pm_changed") == [({"pm": ALICE}, {"pm": BOB})]
    assert "already is" in admin(gated, f"project APOLLO pm <@{BOB}|bob>")
    assert len(audit(gated, "project.pm_changed")) == 1
    assert "is not a person" in gated.command("/pmo", "project APOLLO pm bob", user=ADMIN).text
    request_gate(gated, user=BOB)  # the new PM requests the gate
    assert requests(gated)[0].requested_by == BOB


def test_a_new_pm_who_is_the_gates_only_approver_is_saved_with_a_warning(gate_bot):
    bot = gate_bot(gate_rules(initiation=GateRule(approvers=(BOB,))))
    said = admin(bot, f"project APOLLO pm <@{BOB}|bob>")
    assert f"PM is now <@{BOB}>" in said
    assert ":warning: Saved, but" in said and "only approver of the *Initiation* gate" in said
    assert "or give the project another PM: `/pmo project APOLLO pm @user`" in said


def test_admin_renames_a_project(gated):
    said = admin(gated, "project APOLLO rename Apollo DC move &amp; cut-over")
    assert "*APOLLO* is now called “Apollo DC move &amp; cut-over” (was “Apollo data-centre " \
           "migration”)" in said
    assert project(gated).name == "Apollo DC move & cut-over"
    assert audit(gated, "project.name_changed")[0][1] == {"name": "Apollo DC move & cut-over"}
    assert "needs a name" in gated.command("/pmo", "project APOLLO rename", user=ADMIN).text
    assert "Only PMO admins" in gated.command("/pmo", "project APOLLO rename X", user=BOB).text


def test_admin_moves_the_channel_once_the_bot_is_a_member(gated, slack):
    gated.command("/pmo", "project APOLLO channel <#CNOSUCH1|ghost>", user=ADMIN)
    said = gated.reply()
    assert "I can't find the channel <#CNOSUCH1>" in said and "Nothing was saved" in said
    slack.reset()
    slack.set_not_in_channel(GENERAL, True)
    said = admin(gated, f"project APOLLO channel <#{GENERAL}|general>")
    assert f"I'm not a member of <#{GENERAL}>" in said and "`/invite @PMO Bot`" in said
    assert project(gated).channel_id == APOLLO_CHANNEL
    assert audit(gated, "project.channel_changed") == []
    slack.set_not_in_channel(GENERAL, False)
    said = admin(gated, f"project APOLLO channel <#{GENERAL}|general>")
    assert f"channel is now <#{GENERAL}> (was <#{APOLLO_CHANNEL}>)" in said
    assert f"cards already posted stay in <#{APOLLO_CHANNEL}>" in said
    assert project(gated).channel_id == GENERAL
    assert audit(gated, "project.channel_changed") == [
        ({"channel": APOLLO_CHANNEL}, {"channel": GENERAL})]
    request_gate(gated)  # new cards go to the new channel
    assert any("Gate review" in str(m["blocks"]) for m in slack.messages(GENERAL))


def test_a_channel_shared_with_another_project_is_warned(gated):
    said = admin(gated, f"project add ZEUS Zeus CRM channel:<#{APOLLO_CHANNEL}|apollo>")
    assert "Project *ZEUS*" in said and "added" in said
    assert f":warning: <#{APOLLO_CHANNEL}> is also the channel of *APOLLO*" in said
    assert "`/pmo project ZEUS channel #channel`" in said
    assert "also the channel" not in admin(gated, f"project add HERA Hera channel:<#{GENERAL}>")
    said = admin(gated, f"project ZEUS channel <#{GENERAL}|general>")
    assert f"channel is now <#{GENERAL}>" in said and "also the channel of *HERA*" in said
    said = admin(gated, "project add ORION Orion")  # typed in #apollo: the default channel
    assert f"<#{APOLLO_CHANNEL}> is also the channel of *APOLLO*:" in said


# --- no such command -------------------------------------------------------------------------

def test_unknown_sub_commands_get_no_such_command_and_the_help(gated):
    for command, text in (("/gate", "frobnicate APOLLO"), ("/pmo", "frobnicate"),
                          ("/pmo", "project APOLLO frobnicate")):
        said = gated.command(command, text, user=ADMIN).text
        assert said.startswith(f"No such command: `{command} "), said
        assert f"Here is what `{command}` does:" in said
        assert f"*`{command}` —" in said  # the command's whole help follows
    assert project(gated).name == "Apollo data-centre migration"


def test_no_such_command_speaks_chinese(gate_bot):
    rules = gate_rules()
    bot = gate_bot(replace(rules, pmo=replace(rules.pmo, locale="zh")))
    said = bot.command("/pmo", "frobnicate", user=ADMIN).text
    assert said.startswith("没有这个命令：`/pmo frobnicate`。没有任何改动。")
    assert "*`/pmo` —— PMO" in said
    refused = say(bot, "/pmo", f"project APOLLO approvers planning <@{ALICE}|alice>", ADMIN)
    assert refused.startswith(":warning: 未保存任何内容：") and "永远无法通过" in refused
