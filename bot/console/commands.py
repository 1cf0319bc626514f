"""The console's own commands, typed with a colon: who you are, where, when, and what to press.

Each refusal is a `UserError` shown as one line with the right syntax; the session goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len

from bot.console import clock
from pmo_rules import permissions
from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PHASES
from storage import projects as store
from templates.errors import error_text

if TYPE_CHECKING:
    from bot.console.session import Session


def switch_user(session: Session, argument: str) -> None:
    if not argument.lstrip("@"):
        raise UserError("console.name_missing", usage="console_as")
    found = (session.directory.user_by_name(argument.lstrip("@"))
             or session.directory.user(argument))
    if found is None:
        raise UserError("console.unknown_user", usage="console_as", name=argument[:40])
    session.user = found["id"]
    session.note(session.t("console.now_as", user=found["name"], real_name=found["real_name"],
                           channel=session.names.channel(session.channel)))


def switch_channel(session: Session, argument: str) -> None:
    if not argument.lstrip("#"):
        raise UserError("console.channel_missing", usage="console_in")
    found = session.directory.channel_by_name(argument.lstrip("#"))
    if found is None:
        raise UserError("console.unknown_channel", usage="console_in",
                        name=argument[:40])
    session.channel = found["id"]
    session.note(session.t("console.now_in", channel=f"#{found['name']}"))


def list_users(session: Session, argument: str) -> None:
    _no_argument(argument, "console_users")
    rules = session.bot.ctx.rules
    with session.bot.ctx.db.read() as db:
        managed = [(p.pm_id, p.key) for p in store.all_projects(db)]
    approvers = {user for phase in PHASES for user in rules.gate(phase).approvers}
    rows = []
    for person in session.directory.users():
        admin = permissions.is_admin(person["id"], rules)
        roles = [session.t("console.role_admin")] if admin else []
        keys = [key for pm, key in managed if pm == person["id"]]
        if keys:
            roles.append(session.t("console.role_pm", keys=", ".join(keys)))
        if person["id"] in approvers:
            roles.append(session.t("console.role_approver"))
        here = session.t("console.you") if person["id"] == session.user else ""
        rows.append([person["name"], person["real_name"], person["tz"], ", ".join(roles), here])
    _table(session, rows)


def list_channels(session: Session, argument: str) -> None:
    _no_argument(argument, "console_channels")
    rules = session.bot.ctx.rules
    with session.bot.ctx.db.read() as db:
        projects = store.all_projects(db)
    rows = []
    for channel in session.directory.channels():
        uses = [p.key for p in projects if p.channel_id == channel["id"]]
        if channel["id"] == rules.pmo.digest_channel:
            uses.append(session.t("console.channel_digest"))
        here = session.t("console.you_are_here") if channel["id"] == session.channel else ""
        rows.append([f"#{channel['name']}", ", ".join(uses), here])
    _table(session, rows)


def show_dms(session: Session, argument: str) -> None:
    _no_argument(argument, "console_dm")
    session.show_direct_messages()


def read_channel(session: Session, argument: str) -> None:
    if not argument.lstrip("#"):
        raise UserError("console.channel_missing", usage="console_read")
    found = session.directory.channel_by_name(argument.lstrip("#"))
    if found is None:
        raise UserError("console.unknown_channel", usage="console_read", name=argument[:40])
    session.show_channel(found["id"])


def show_home(session: Session, argument: str) -> None:
    _no_argument(argument, "console_home")
    session.show_home()


def move_time(session: Session, argument: str) -> None:
    bot = session.bot
    if argument:
        step = clock.parse_step(argument)
        session.begin_screen()
        clock.advance(bot.ctx, bot.clock, step)
    renderer = bot.ctx.renderer
    session.note(session.t("console.time_now", when=renderer.local_date(bot.clock.at),
                           weekday=bot.clock.at.astimezone(renderer.tz).weekday(),
                           tz=bot.ctx.rules.pmo.timezone))
    if argument:
        session.show_events()
        session.end_screen()


def click(session: Session, argument: str) -> None:
    if not argument.isdigit():
        raise UserError("console.click_usage", usage="console_click")
    if not session.clickables:
        raise UserError("console.click_nothing")
    number = int(argument)
    if not 1 <= number <= len(session.clickables):
        raise UserError("console.click_range", number=number, count=len(session.clickables))
    session.click(session.clickables[number - 1])


def show_help(session: Session, argument: str) -> None:
    session.note(session.t("console.help"))


def quit_console(session: Session, argument: str) -> bool:
    return False


COMMANDS: dict[str, Callable[[Session, str], bool | None]] = {
    "as": switch_user, "in": switch_channel, "users": list_users, "channels": list_channels,
    "dm": show_dms, "read": read_channel, "home": show_home, "time": move_time, "click": click,
    "help": show_help,
    "quit": quit_console, "exit": quit_console,
}


def console_word(line: str) -> str | None:
    """The console command a line names (`:quit`, `:click 2` → quit, click), or None: inside a
    form such a line is refused, never taken as the field's answer (`:tada: done` is one)."""
    if not line.startswith(":"):
        return None
    word = line[1:].strip().partition(" ")[0].lower()
    return word if word in COMMANDS else None


def run(session: Session, line: str) -> bool:
    """Run one `:command`; False when it ends the session."""
    word, _, argument = line[1:].strip().partition(" ")
    command = COMMANDS.get(word.lower())
    try:
        if command is None:
            raise UserError("console.unknown_command", usage="console", word=word[:40])
        return command(session, argument.strip()) is not False
    except UserError as refusal:
        session.note(error_text(session.bot.ctx.renderer, refusal))
        return True


def _no_argument(argument: str, usage: str) -> None:
    if argument:
        raise UserError("console.unexpected_words", usage=usage, words=argument[:40])


def _table(session: Session, rows: list[list[str]]) -> None:
    """Rows as aligned columns (by display width, so names in any script line up)."""
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row)]
        session.note("   ".join(cells).rstrip())
