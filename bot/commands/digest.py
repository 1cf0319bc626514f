"""`pmo-bot digest --now [--channel C]`: post a digest now, outside the weekly schedule.

A manual digest is not recorded as the week's digest, so the scheduled one still goes out.
"""

from __future__ import annotations

import argparse
import re

from bot.commands.outcomes import failure_lines
from bot.commands.runtime import load_context
from bot.settings import SettingsError
from services.digest import enqueue_manual_digest

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("digest", help="post the portfolio digest now")
    parser.add_argument("--now", action="store_true", required=True,
                        help="post it now (required: the weekly digest needs no command)")
    parser.add_argument("--channel", type=_channel_id, metavar="CHANNEL_ID",
                        help="channel id to post to (default: [pmo] digest_channel)")
    parser.set_defaults(func=run)


def _channel_id(text: str) -> str:
    if not _CHANNEL_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a channel id: use the id such as C012AB3CD (channel details → "
            f"copy channel ID)")
    return text


def run(args) -> int:
    ctx = load_context(needs=frozenset({"SLACK_BOT_TOKEN"}))  # it posts; it is never called
    try:
        channel = args.channel or ctx.rules.pmo.digest_channel
        if channel is None:
            raise SettingsError("no channel to post to: pass --channel C012AB3CD or set "
                                "[pmo] digest_channel in the rules file")
        ids = enqueue_manual_digest(ctx, channel, ctx.now())
        outcomes = ctx.sender.send(ids)
    finally:
        ctx.close()
    failed = failure_lines(outcomes)
    if failed:
        posted = sum(outcome.ok for outcome in outcomes)
        print("\n".join([f"digest to {channel}: {posted} of {len(ids)} message(s) posted",
                         *failed]))
        return 1
    print(f"digest posted to {channel} ({len(ids)} message(s))")
    return 0
