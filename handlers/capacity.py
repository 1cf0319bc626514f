"""Capacity (issue 13): `/pmo allocate @user KEY N% [until:DATE]` (kept before the ack, applied
after it: who may — PMO admins and the project's PM — is checked with the project at hand) and
`/pmo people [@user]` (a read of every allocation: answered after the ack, only to you)."""

from __future__ import annotations

from handlers.slack_io import Incoming, Reply, answer_later, ephemeral, keep, work
from pmo_rules import capacity as rules
from pmo_rules.errors import UserError
from pmo_rules.pmo_commands import parse_pmo_command
from services import capacity
from services.context import BotContext
from templates.paging import REPLY_CHARS


def allocate(ctx: BotContext, ack, command: dict, _respond, _parsed: rules.Allocate) -> None:
    keep(ctx, ack, "capacity.allocate", command, user=command["user_id"],
         channel=command.get("channel_id"))


@work("capacity.allocate")
def apply_allocate(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = parse_pmo_command(request.payload.get("text", ""))
    if not isinstance(parsed, rules.Allocate):
        raise UserError("pmo.no_such_command", word=str(request.payload.get("text"))[:40])
    reply.say(capacity.allocate(ctx, request.user, parsed))


def people(ctx: BotContext, ack, command: dict, respond, parsed: rules.People) -> None:
    ack()
    answer_later(ctx, lambda: capacity.people(ctx, parsed, command["user_id"])[:REPLY_CHARS],
                 ephemeral(respond))
