"""The console's sample workspace: the people and channels of a small PMO, and its rules.

The ids of pat, alice, bob and carol and of #apollo and #general are the ones the tests use, so a
transcript and a test talk about the same people. Rules come from PMO_RULES when it is set;
otherwise the defaults, with pat as the PMO admin, #pmo as the digest channel and two approvers
(grace, henry) on every gate, so each part of the bot has someone to talk to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from bot.rules_file import load_rules
from bot.standin import Directory
from pmo_rules.config import DEFAULT_RULES, Rules
from pmo_rules.lifecycle import PHASES

ADMIN, ALICE, BOB, CAROL = "UADMIN1", "UALICE1", "UBOB001", "UCAROL1"
DAVE, ERIN, GRACE, HENRY = "UDAVE01", "UERIN01", "UGRACE1", "UHENRY1"
APOLLO, HERMES, ZEUS = "CAPOLLO1", "CHERMES1", "CZEUS001"
ATHENA, ORION, PMO, GENERAL = "CATHENA1", "CORION01", "CPMO0001", "CGENERAL"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    tz: str


PEOPLE = (
    Person(ADMIN, "pat", "Pat Lin", "Asia/Shanghai"),
    Person(ALICE, "alice", "Alice Wang", "Asia/Shanghai"),
    Person(BOB, "bob", "Bob Braun", "Europe/Berlin"),
    Person(CAROL, "carol", "Carol Diaz", "America/New_York"),
    Person(DAVE, "dave", "Dave Chen", "Asia/Shanghai"),
    Person(ERIN, "erin", "Erin Walsh", "Australia/Sydney"),
    Person(GRACE, "grace", "Grace Liu", "Asia/Shanghai"),
    Person(HENRY, "henry", "Henry Moss", "Europe/London"),
)
CHANNELS = ((GENERAL, "general"), (PMO, "pmo"), (APOLLO, "apollo"), (HERMES, "hermes"),
            (ZEUS, "zeus"), (ATHENA, "athena"), (ORION, "orion"))

# Where a console session starts: a project manager in her project's channel.
START_USER, START_CHANNEL = ALICE, APOLLO


def sample_directory() -> Directory:
    """The stand-in's users and channels; the bot is a member of every channel."""
    directory = Directory()
    for person in PEOPLE:
        directory.add_user(person.id, person.name, real_name=person.real_name, tz=person.tz)
    for channel_id, name in CHANNELS:
        directory.add_channel(channel_id, name)
    return directory


def sample_rules() -> Rules:
    """The defaults, with the sample workspace's admin, digest channel, gate and change
    approvers, and the portfolio's strategic themes and board (pat, grace, henry)."""
    rules = replace(DEFAULT_RULES, pmo=replace(DEFAULT_RULES.pmo, admins=(ADMIN,),
                                                digest_channel=PMO))
    gates = {phase: replace(rules.gate(phase), approvers=(GRACE, HENRY)) for phase in PHASES}
    portfolio = replace(rules.portfolio, board=(ADMIN, GRACE, HENRY), themes=SAMPLE_THEMES)
    return replace(rules, gates=replace(rules.gates, **gates), portfolio=portfolio,
                   changes=replace(rules.changes, approvers=(GRACE, HENRY)))


SAMPLE_THEMES = ("Customer growth", "Cost efficiency", "Compliance")


def console_rules(environ: dict[str, str] | None = None, *, locale: str | None = None) -> Rules:
    """PMO_RULES when set (a bad file stops the console with one line), else the sample rules;
    `locale` (`console --locale zh`) replaces the language either way."""
    path = (os.environ if environ is None else environ).get("PMO_RULES")
    rules = load_rules(path) if path else sample_rules()
    return replace(rules, pmo=replace(rules.pmo, locale=locale)) if locale else rules
