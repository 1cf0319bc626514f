"""Reading what comes back from Slack's views: the values typed or chosen in a form.

It arrives from outside (a modal opened yesterday, a request someone built by hand), so a
missing or odd element reads as empty — never a KeyError deep inside a listener. What buttons
and forms carry (values, private_metadata) is typed in `pmo_rules.values`.
"""

from __future__ import annotations

from typing import Any


def form_values(view: dict) -> dict[str, str | None]:
    """{block_id: value} for every input block: the typed text or the chosen option's value.

    Each of our input blocks holds one element; an empty input is None.
    """
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    found: dict[str, str | None] = {}
    for block_id, elements in (values or {}).items():
        if isinstance(elements, dict):
            for element in elements.values():
                found[block_id] = _element_value(element)
    return found


def _element_value(element: Any) -> str | None:
    if not isinstance(element, dict):
        return None
    option = element.get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return option["value"]
    value = element.get("value")
    if isinstance(value, str):
        return value
    rich = element.get("rich_text_value")
    return rich_text(rich) if isinstance(rich, dict) else None


def rich_text(value: dict) -> str | None:
    """A rich_text_input's value as slash-command text is escaped: mentions as `<@U123>`,
    `<#C123>`, `<!here>`; `& < >` in what was typed as `&amp; &lt; &gt;`; one line per
    section or list item. None when nothing was typed."""
    lines: list[str] = []

    def walk(block: object) -> None:
        if not isinstance(block, dict):
            return
        if block.get("type") in ("rich_text", "rich_text_list"):
            for child in block.get("elements") or ():
                walk(child)
            return
        lines.append("".join(_inline(e) for e in block.get("elements") or ()
                             if isinstance(e, dict)))

    walk(value)
    typed = "\n".join(line for line in lines if line.strip()).strip()
    return typed or None


def _inline(element: dict) -> str:
    kind = element.get("type")
    if kind == "user" and isinstance(element.get("user_id"), str):
        return f"<@{element['user_id']}>"
    if kind == "channel" and isinstance(element.get("channel_id"), str):
        return f"<#{element['channel_id']}>"
    if kind == "usergroup" and isinstance(element.get("usergroup_id"), str):
        return f"<!subteam^{element['usergroup_id']}>"
    if kind == "broadcast" and isinstance(element.get("range"), str):
        return f"<!{element['range']}>"
    if kind == "emoji" and isinstance(element.get("name"), str):
        return f":{element['name']}:"
    if kind == "link" and isinstance(element.get("url"), str):
        return element["url"]
    if kind == "text" and isinstance(element.get("text"), str):
        return element["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ""
