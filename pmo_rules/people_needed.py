"""A proposal's "people needed" (issue 13), structured: `@alice 50%, @bob 0.5, 2 FTE developer`.

Entries are separated by commas (`,` `，` `、`), semicolons or new lines. Each is one of:

- **a named person and their share**: a Slack mention (`<@U123>`, as Slack sends `@alice` from
  a slash command or the form's people field) followed by a percent (`50%`, `50％`) or a fraction
  of full time (`0.5`, `0.5 FTE`, `1`); more than 0 and at most 100% (one person's whole time);
- **a role and how much of it**: a number, optionally `%` or `FTE`, then the role's words
  (`2 FTE developer`, `2 developers`, `0.5 designer`, `50% tester`); more than 0, at most
  `ROLE_MAX_FTE` full-time people;
- **words alone** (`someone from legal`): a role whose size is not said, kept as typed.

The rest is refused with the fix (a mention without a share, a share above 100% for one person,
`@bob 50` — percent or fraction? —, a number with no role, a person named twice, …), so
what is kept can be checked against people's allocations (pmo_rules.capacity): `room` says
whether each named person's current total plus this share stays within 100%.

Shares are whole percent points of one full-time person: 50 is half of someone's time, 200 is
two full-time people. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pmo_rules import text
from pmo_rules.capacity import FULL
from pmo_rules.errors import UserError

USAGE = "pmo_proposal_people"
MAX_ENTRIES = 20
ROLE_MAX = 60
"""Characters of one role's words."""
ROLE_MAX_FTE = 100
_SPLIT = re.compile(r"<[^>]*>|&(?:amp|lt|gt);|[,，、;；\n]|[^,，、;；\n<&]+|[<&]")
"""An entry's pieces: a `<…>` mention and Slack's `&amp;` whole (their `|` `;` split nothing)."""
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_BULLET = re.compile(r"^[-•*·]\s+")
_PLAIN_AT = re.compile(r"@[\w.\-]+")
_NUMBER = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(?P<unit>%|％|fte\b)?",
                     re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Need:
    """One entry: a named person (`user_id`) or a role (`role`), and the share in percent of
    one full-time person (None: a role whose size was not said)."""

    user_id: str | None = None
    role: str | None = None
    percent: int | None = None

    @property
    def fte(self) -> str | None:
        """The share as full-time people (`0.5`, `2`), None when not said."""
        return None if self.percent is None else fte(self.percent)

    def to_wire(self) -> dict[str, object]:
        found: dict[str, object] = {"user": self.user_id} if self.user_id else {"role": self.role}
        if self.percent is not None:
            found["percent"] = self.percent
        return found

    @staticmethod
    def from_wire(item: object) -> Need | None:
        """What storage kept; None for anything that is not an entry (never raises)."""
        if not isinstance(item, dict):
            return None
        percent = item.get("percent")
        percent = percent if isinstance(percent, int) and percent > 0 else None
        user, role = item.get("user"), item.get("role")
        if isinstance(user, str) and user and percent is not None:
            return Need(user_id=user, percent=percent)
        if isinstance(role, str) and role:
            return Need(role=role, percent=percent)
        return None


def _entries(typed: str) -> list[str]:
    """The text split at separators, a `<…>` mention kept whole even when its label has one."""
    parts, current = [], []
    for piece in _SPLIT.findall(typed):
        if len(piece) == 1 and piece in ",，、;；\n":
            parts.append("".join(current))
            current = []
        else:
            current.append(piece)
    parts.append("".join(current))
    return [" ".join(p.split()) for p in parts if p.strip()]


def _share(word: str, entry: str, *, person: bool) -> int:
    """`50%`, `0.5`, `0.5 FTE`, `2` as whole percent points of one full-time person."""
    match = _NUMBER.fullmatch(word.strip())
    if match is None:
        raise UserError("people_needed.share_malformed", usage=USAGE, entry=entry[:60],
                        word=word[:30])
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise UserError("people_needed.share_malformed", usage=USAGE, entry=entry[:60],
                        word=word[:30]) from None
    percent_given = match["unit"] in ("%", "％")
    if person and not match["unit"] and number > 1:
        raise UserError("people_needed.share_ambiguous", usage=USAGE, entry=entry[:60],
                        number=match["number"])
    value = number if percent_given else number * FULL
    if value != value.to_integral_value():
        raise UserError("people_needed.share_not_whole", usage=USAGE, entry=entry[:60])
    percent = int(value)
    if percent <= 0:
        raise UserError("people_needed.share_zero", usage=USAGE, entry=entry[:60])
    if person and percent > FULL:
        raise UserError("people_needed.person_over", usage=USAGE, entry=entry[:60])
    if percent > ROLE_MAX_FTE * FULL:
        raise UserError("people_needed.role_too_many", usage=USAGE, entry=entry[:60],
                        most=ROLE_MAX_FTE)
    return percent


def _person(entry: str, user_id: str, rest: str) -> Need:
    if not rest:
        raise UserError("people_needed.share_missing", usage=USAGE, entry=entry[:60])
    if _MENTION.search(rest):
        raise UserError("people_needed.one_person_each", usage=USAGE, entry=entry[:60])
    return Need(user_id=user_id, percent=_share(rest, entry, person=True))


def _role(entry: str) -> Need:
    """A role's entry; `role` empty when nothing readable is left (`<>`)."""
    if _MENTION.search(entry):
        raise UserError("people_needed.mention_first", usage=USAGE, entry=entry[:60])
    plain_at = _PLAIN_AT.match(entry)
    if plain_at:
        raise UserError("people_needed.not_a_mention", usage=USAGE, name=plain_at[0][:40])
    number = _NUMBER.match(entry)
    glued = number is not None and entry[number.end("number"):number.end("number") + 1]
    if number is None or (not number["unit"] and glued and glued.isalnum()):
        words, percent = entry, None          # words alone, or `2nd line support`
    else:
        words = entry[number.end():].strip()
        if not words:
            raise UserError("people_needed.role_missing", usage=USAGE, entry=entry[:60])
        percent = _share(entry[:number.end()], entry, person=False)
    words = text.plain(words)
    if not words and percent is not None:
        raise UserError("people_needed.role_missing", usage=USAGE, entry=entry[:60])
    if words[:1] in ("-", "+", ".", "%", "％") or (percent is not None and words[:1].isdigit()):
        raise UserError("people_needed.share_malformed", usage=USAGE, entry=entry[:60],
                        word=entry.split()[0][:30])
    text.check_length(words, ROLE_MAX, "people_needed.role_too_long", usage=USAGE,
                      entry=entry[:60], most=ROLE_MAX)
    return Need(role=words, percent=percent)


def parse_needed(typed: str | None) -> tuple[Need, ...]:
    """The entries of a "people needed" text, in the order typed; empty text, none. Refuses
    (UserError naming the entry and the fix) anything that is not one of the forms above."""
    found: list[Need] = []
    named: set[str] = set()
    for entry in _entries(typed or ""):
        entry = _BULLET.sub("", entry) or entry
        mention = _MENTION.match(entry)
        if mention:
            need = _person(entry, mention[1], entry[mention.end():].strip())
            if need.user_id in named:
                raise UserError("people_needed.person_twice", usage=USAGE,
                                user=need.user_id)
            named.add(need.user_id or "")
        else:
            need = _role(entry)
            if not need.role:  # nothing readable (`<>`): as an empty entry
                continue
        found.append(need)
    if len(found) > MAX_ENTRIES:
        raise UserError("people_needed.too_many", usage=USAGE, most=MAX_ENTRIES)
    return tuple(found)


def as_text(needs: Iterable[Need]) -> str:
    """The entries written back in the canonical form `parse_needed` reads (mentions as
    `<@U123>`): parse_needed(as_text(x)) == x."""
    return ", ".join(_written(n) for n in needs)


def _written(need: Need) -> str:
    if need.user_id:
        return f"<@{need.user_id}> {need.percent}%"
    if need.percent is None:
        return need.role or ""
    return f"{fte(need.percent)} FTE {need.role}"


def fte(percent: int) -> str:
    """200 → `2`, 50 → `0.5`, 125 → `1.25`."""
    value = Decimal(percent) / FULL
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Room:
    """A named person's check: their total now (allocations and PM defaults on running
    projects), what it would be with this share, and whether that stays within 100%."""

    user_id: str
    share: int
    now: int

    @property
    def after(self) -> int:
        return self.now + self.share

    @property
    def fits(self) -> bool:
        return self.after <= FULL

    @property
    def over(self) -> int:
        """Points above 100 it would leave them at (0 when it fits)."""
        return max(0, self.after - FULL)


def room(needs: Iterable[Need], totals: Mapping[str, int]) -> tuple[list[Room], list[Need]]:
    """(a check per named person, the roles — shown as needed, not checked: the bot knows
    people's allocations, not a role's); a person with no allocation counts as 0%."""
    checks, roles = [], []
    for need in needs:
        if need.user_id and need.percent is not None:
            checks.append(Room(need.user_id, need.percent, totals.get(need.user_id, 0)))
        elif need.role:
            roles.append(need)
    return checks, roles


def stored(items: object) -> tuple[Need, ...]:
    """The entries storage kept (a list of `Need.to_wire`); none for anything else."""
    found = (Need.from_wire(item) for item in items or ()) if isinstance(items, list) else ()
    return tuple(n for n in found if n is not None)


def named(needs: Iterable[Need]) -> list[str]:
    return [n.user_id for n in needs if n.user_id]
