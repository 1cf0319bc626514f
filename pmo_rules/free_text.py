"""Free text in a command (a reason, a note, a summary) and the options typed inside it.

The rule, for every command: an option the command knows, written `name:value`, is never
silently taken as part of a free text. `/risk close APOLLO-R2 status:occurred SAN delivery
slipped` must not record "status:occurred SAN delivery slipped" as the reason and the default
outcome. Where the command accepts the option there, it is read as the option wherever it stands
(before, inside or after the text); where the command knows it but does not take it there
(`p:5` in a closing reason), the command is refused and told what to write instead. Words that
only look like options (`ETA:Friday`, `Note: vendor late`, `https://…`, `10:30`) stay text.

Pure: callers hand in the words after what they parsed themselves (an ID, a KEY, a colour)
and the option names; `read_free_text` returns the text and the options, or a `UserError`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from pmo_rules.errors import UserError
from pmo_rules.text import option_parts


@dataclass(frozen=True)
class FreeText:
    """A free text's words, in order, and the accepted options found among them."""

    words: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def read_free_text(words: Sequence[str], *, accepted: Collection[str] = (),
                   known: Collection[str] = (), usage: str | None = None) -> FreeText:
    """Split `words` into the text and the `accepted` options found anywhere among them.

    - `name:value` with `name` in `accepted` is that option; `name: value` (a space after the
      colon, as phones type it) takes the next word as its value. Given twice, it is refused.
    - `name:value` with `name` in `known` but not in `accepted` is refused
      (`text.option_not_here`, naming what is accepted and how to keep it as text).
    - Anything else is text, including `name:` with nothing after it for a name not accepted.

    Names are compared in lower case; a full-width colon counts (`pmo_rules.text.option_parts`).
    """
    accepted = {name.lower() for name in accepted}
    known = {name.lower() for name in known} | accepted
    kept: list[str] = []
    options: dict[str, str] = {}
    waiting: str | None = None  # an accepted `name:` whose value is the next word
    for word in words:
        if waiting is not None:
            options[waiting], waiting = word, None
            continue
        parts = option_parts(word)
        name, value = parts if parts else (None, "")
        if name is None or name not in known or (not value and name not in accepted):
            kept.append(word)
        elif name not in accepted:
            raise UserError("text.option_not_here", usage=usage, word=word[:60],
                            names=sorted(accepted), plain=f"{name} {value}"[:60])
        elif name in options:
            raise UserError("text.repeated_option", usage=usage, name=name)
        elif value:
            options[name] = value
        else:
            options[name] = ""
            waiting = name
    return FreeText(tuple(kept), options)
