"""Block Kit and Slack's mrkdwn as a terminal shows them, as rich `Text` lines.

What Slack draws, the console draws in text: headers in bold, sections with their fields side by
side, context in dim, dividers as a rule, emoji shortcodes as emoji, `<@U…>` and `<#C…>` as
@name and #name (from the workspace directory), dates as their fallback text (which the bot
renders in the PMO's time zone from the console's clock, so transcripts are stable). Buttons,
menus and pickers become numbered controls that `:click N` presses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import zip_longest

from rich.cells import cell_len
from rich.emoji import Emoji
from rich.text import Text

from bot.standin import Directory
from bot.standin.files import shown as shown_file

# Slack's names where rich's emoji table has none (rich calls them green_circle, …).
_SLACK_EMOJI = {
    "large_green_circle": "🟢", "large_yellow_circle": "🟡", "large_orange_circle": "🟠",
    "large_red_circle": "🔴", "large_purple_circle": "🟣", "octagonal_sign": "🛑",
}
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.S)
_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?!\s)(?P<bold>[^*\n]+?)(?<!\s)\*(?![\w*])"
    r"|(?<![\w_])_(?!\s)(?P<italic>[^_\n]+?)(?<!\s)_(?![\w_])"
    r"|(?<![\w~])~(?!\s)(?P<strike>[^~\n]+?)(?<!\s)~(?![\w~])")
_MARKUP = re.compile(r"<([^<>]*)>")
_STYLES = {"code": "cyan", "bold": "bold", "italic": "italic", "strike": "strike"}
RULE = "─" * 40
# Elements `:click` knows how to operate; others are drawn but not numbered.
CLICKABLE = frozenset({"button", "overflow", "static_select", "radio_buttons", "checkboxes",
                       "multi_static_select", "users_select", "multi_users_select",
                       "conversations_select", "channels_select", "datepicker", "timepicker"})


def emoji(text: str) -> str:
    """`:white_check_mark:` → ✅; unknown shortcodes stay as typed, as in Slack."""
    return Emoji.replace(_SHORTCODE.sub(lambda m: _SLACK_EMOJI.get(m[1], m[0]), text))


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Names:
    """Slack ids as people read them, from the workspace directory."""

    directory: Directory

    def user(self, user_id: str) -> str:
        found = self.directory.user(user_id)
        return f"@{found['name']}" if found else f"@{user_id}"

    def channel(self, channel_id: str) -> str:
        found = self.directory.channel(channel_id)
        return f"#{found['name']}" if found else f"#{channel_id}"

    def reference(self, inner: str) -> str:
        """The readable form of one `<…>`: a mention, a channel, a date, a special or a link."""
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f"@{label}" if label else self.user(target[1:])
        if target.startswith("#"):
            return f"#{label}" if label else self.channel(target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return f"{label} ({target})" if label and label != target else target


def mrkdwn(source: str, names: Names) -> Text:
    """Slack mrkdwn (already escaped by the bot) as styled text."""
    result = Text()
    position = 0
    for block in _CODE_BLOCK.finditer(source):
        _inline(source[position:block.start()], names, result)
        result.append(unescape(block[1]), style="cyan")
        position = block.end()
    _inline(source[position:], names, result)
    return result


def _inline(source: str, names: Names, out: Text) -> None:
    """References resolved and entities decoded first, so only the person's text is parsed."""
    readable = unescape(_MARKUP.sub(lambda m: names.reference(m[1]), source))
    _formatted(readable, out, "")


def _formatted(text: str, out: Text, style: str) -> None:
    position = 0
    for match in _INLINE.finditer(text):
        out.append(emoji(text[position:match.start()]), style=style or None)
        kind = match.lastgroup
        inner_style = f"{style} {_STYLES[kind]}".strip()
        if kind == "code":
            out.append(match[kind], style=inner_style)
        else:
            _formatted(match[kind], out, inner_style)
        position = match.end()
    out.append(emoji(text[position:]), style=style or None)


def text_object(obj: object, names: Names) -> Text:
    """A Block Kit text object: mrkdwn is parsed, plain_text shown as is (with its emoji)."""
    if not isinstance(obj, dict):
        return Text(str(obj or ""))
    raw = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(raw, names)
    return Text(emoji(raw) if obj.get("emoji", True) else raw)


def plain(obj: object, names: Names) -> str:
    return text_object(obj, names).plain


@dataclass(frozen=True)
class Control:
    """A numbered, clickable element of a rendered message or view."""

    number: int
    element: dict
    block_id: str | None


@dataclass
class Drawing:
    """Rendered lines, and the controls they show (numbered from `first`)."""

    names: Names
    first: int = 1
    clickable: bool = True
    lines: list[Text] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)

    def add(self, text: Text) -> None:
        self.lines.extend(text.split("\n", allow_blank=True))

    def control(self, element: dict, block_id: str | None) -> Text:
        """The label of one element; clickable ones get the next number."""
        label = self._label(element)
        if not (self.clickable and element.get("type") in CLICKABLE):
            return Text(f"[{label}]", style="dim")
        number = self.first + len(self.controls)
        self.controls.append(Control(number, element, block_id))
        style = {"primary": "bold green", "danger": "bold red"}.get(element.get("style"),
                                                                  "bold cyan")
        return Text(f"[{number} {label}]", style=style)

    def _label(self, element: dict) -> str:
        kind = element.get("type")
        if kind == "button":
            link = " ↗" if element.get("url") else ""
            return plain(element.get("text"), self.names) + link
        if kind == "overflow":
            return "⋯"
        initial = element.get("initial_option") or {}
        shown = (initial.get("text") or element.get("placeholder")
                 or element.get("initial_date") or element.get("initial_time") or kind)
        return f"{plain(shown, self.names)} ▾"


def draw_blocks(blocks: Iterable[dict], names: Names, *, first: int = 1,
                clickable: bool = True) -> Drawing:
    """All blocks of a message (or the non-input blocks of a view), in order."""
    drawing = Drawing(names, first=first, clickable=clickable)
    for block in blocks:
        draw_block(block, drawing)
    return drawing


def draw_message(message: dict, names: Names, *, first: int = 1) -> Drawing:
    """A message as Slack shows it: its blocks, or its text when it has none; a file it shares
    (a chart) as its alt text and the file's name, since a terminal shows no picture."""
    blocks = message.get("blocks") or []
    if blocks:
        drawing = draw_blocks(blocks, names, first=first)
    else:
        drawing = Drawing(names, first=first)
        if message.get("text") or not message.get("files"):
            drawing.add(mrkdwn(str(message.get("text") or ""), names))
    for file in message.get("files") or []:
        drawing.add(Text(shown_file(file), style="dim"))
    return drawing


def draw_block(block: dict, drawing: Drawing) -> None:
    kind = block.get("type")
    draw = _DRAWERS.get(kind)
    if draw is None:
        drawing.add(Text(f"[{kind}]", style="dim"))
    else:
        draw(block, drawing)


def _header(block: dict, d: Drawing) -> None:
    d.add(Text(plain(block.get("text"), d.names), style="bold underline"))


def _section(block: dict, d: Drawing) -> None:
    text = block.get("text")
    accessory = block.get("accessory")
    if text is not None:
        d.add(text_object(text, d.names))
    if block.get("fields"):
        for line in _side_by_side([text_object(f, d.names) for f in block["fields"]]):
            d.add(line)
    if isinstance(accessory, dict):
        if accessory.get("type") == "image":
            d.add(Text(f"[image: {accessory.get('alt_text', '')}]", style="dim"))
        else:
            d.add(d.control(accessory, block.get("block_id")))


def _side_by_side(cells: list[Text]) -> list[Text]:
    """Fields two by two, as Slack lays them out; the left column padded to one width."""
    left, right = cells[0::2], cells[1::2]
    width = max((cell_len(line) for cell in left for line in cell.plain.split("\n")), default=0)
    lines: list[Text] = []
    for first, second in zip_longest(left, right):
        first_lines = first.split("\n")
        second_lines = second.split("\n") if second is not None else []
        for a, b in zip_longest(first_lines, second_lines):
            line = (a or Text()).copy()
            if b is not None:
                line.append(" " * (width - cell_len(line.plain) + 4))
                line.append_text(b)
            lines.append(line)
    return lines


def _context(block: dict, d: Drawing) -> None:
    parts = []
    for element in block.get("elements") or []:
        if isinstance(element, dict) and element.get("type") == "image":
            parts.append(Text(f"[{element.get('alt_text', 'image')}]"))
        else:
            parts.append(text_object(element, d.names))
    line = Text("  ").join(parts)
    line.stylize("dim")
    d.add(line)


def _divider(_block: dict, d: Drawing) -> None:
    d.add(Text(RULE, style="dim"))


def _actions(block: dict, d: Drawing) -> None:
    controls = [d.control(element, block.get("block_id")) for element in
                block.get("elements") or [] if isinstance(element, dict)]
    d.add(Text(" ").join(controls))


def _image(block: dict, d: Drawing) -> None:
    title = plain(block.get("title"), d.names) if block.get("title") else ""
    d.add(Text(f"[image: {title or block.get('alt_text', '')}]", style="dim"))


def _markdown(block: dict, d: Drawing) -> None:
    d.add(Text(emoji(str(block.get("text") or ""))))


def _rich_text(block: dict, d: Drawing) -> None:
    for element in block.get("elements") or []:
        kind = element.get("type")
        if kind == "rich_text_list":
            ordered = element.get("style") == "ordered"
            for i, item in enumerate(element.get("elements") or [], start=1):
                d.add(Text(f"{i}. " if ordered else "• ") + _rich_runs(item, d.names))
        elif kind == "rich_text_quote":
            d.add(Text("│ ", style="dim") + _rich_runs(element, d.names))
        elif kind == "rich_text_preformatted":
            d.add(Text(_rich_runs(element, d.names).plain, style="cyan"))
        else:
            d.add(_rich_runs(element, d.names))


def _rich_runs(section: dict, names: Names) -> Text:
    out = Text()
    for run in section.get("elements") or []:
        kind = run.get("type")
        style = " ".join(_STYLES[s] for s, on in (run.get("style") or {}).items()
                         if on and s in _STYLES)
        if kind == "user":
            piece = names.user(run.get("user_id", ""))
        elif kind == "channel":
            piece = names.channel(run.get("channel_id", ""))
        elif kind == "emoji":
            piece = emoji(f":{run.get('name', '')}:")
        elif kind == "link":
            piece = run.get("text") or run.get("url", "")
        elif kind == "date":
            piece = run.get("fallback", "")
        else:
            piece = emoji(str(run.get("text", "")))
        out.append(piece, style=style or None)
    return out


def _table(block: dict, d: Drawing) -> None:
    for row in block.get("rows") or []:
        cells = [cell.get("text") if cell.get("type") == "raw_text"
                 else _rich_runs((cell.get("elements") or [{}])[0], d.names).plain
                 for cell in row if isinstance(cell, dict)]
        d.add(Text(" │ ".join(str(c) for c in cells)))


_DRAWERS = {
    "header": _header, "section": _section, "context": _context, "divider": _divider,
    "actions": _actions, "image": _image, "markdown": _markdown, "rich_text": _rich_text,
    "table": _table,
}
