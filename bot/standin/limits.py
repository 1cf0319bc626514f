"""Slack's Block Kit limits, as pure functions.

Real Slack rejects a message or view that breaks these (``invalid_blocks`` /
``invalid_arguments``); a stand-in that accepts anything lets such a bug reach
production. The stand-in runs these checks on every post so a test fails where
Slack would. The numbers come from `templates/slack_limits.py` (the same names the
bot's paginator builds to; Slack's documented limits) plus the few
structural rules Slack enforces alongside them (text objects non-empty, a
section needs text or fields, a modal with inputs needs a submit button).

Every function takes arbitrary JSON-ish data and never raises: malformed input
is itself reported as a problem. Problems read ``"/json/pointer: what is wrong"``.
"""

from __future__ import annotations

from typing import Any

from templates.slack_limits import (
    ACTIONS_ELEMENTS,
    BUTTON_TEXT,
    BUTTON_URL,
    BUTTON_VALUE,
    CONTEXT_ELEMENTS,
    FIELD_TEXT,
    HEADER_TEXT,
    ID_LENGTH,
    INPUT_LABEL,
    MESSAGE_BLOCKS,
    MODAL_TITLE,
    OPTION_TEXT,
    OPTION_VALUE,
    PLACEHOLDER_TEXT,
    PRIVATE_METADATA,
    SECTION_FIELDS,
    SECTION_TEXT,
    SELECT_OPTIONS,
    TEXT_ADVISED,
    TEXT_TRUNCATED,
    VIEW_BLOCKS,
)

# Options per element type: selects allow 100, the others fewer.
_OPTION_LIMITS = {
    "static_select": SELECT_OPTIONS,
    "multi_static_select": SELECT_OPTIONS,
    "overflow": 5,
    "checkboxes": 10,
    "radio_buttons": 10,
}
# In these, option text may be mrkdwn; in selects and overflow it must be plain_text.
_MRKDWN_OPTIONS = {"checkboxes", "radio_buttons"}

KNOWN_BLOCKS = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "header",
    "file",
    "rich_text",
    "video",
    "markdown",
    "call",
    "table",
    "context_actions",
}


def message_problems(blocks: Any, text: Any = None) -> list[str]:
    """What makes Slack answer ``invalid_blocks`` for this message (empty: fine)."""
    problems: list[str] = []
    if text is not None and not isinstance(text, str):
        problems.append("/text: must be a string")
    if blocks is not None:
        _check_blocks(blocks, "/blocks", MESSAGE_BLOCKS, "message", problems)
    return problems


def message_warnings(blocks: Any, text: Any = None) -> list[str]:
    """What Slack accepts but users suffer: no notification text, or too much of it."""
    warnings: list[str] = []
    has_blocks = isinstance(blocks, list) and len(blocks) > 0
    if has_blocks and not (isinstance(text, str) and text.strip()):
        warnings.append(
            "blocks sent without a text fallback: notifications and screen readers get nothing"
        )
    if isinstance(text, str) and len(text) > TEXT_ADVISED:
        cut = f"; Slack truncates past {TEXT_TRUNCATED}" if len(text) > TEXT_TRUNCATED else ""
        warnings.append(f"text is {len(text)} characters, keep it under {TEXT_ADVISED}{cut}")
    return warnings


def view_problems(view: Any) -> list[str]:
    """What makes Slack answer ``invalid_arguments`` for this modal or Home tab view."""
    problems: list[str] = []
    if not isinstance(view, dict):
        return ["/view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        problems.append(f"/type: must be modal or home, got {kind!r}")
    for key in ("callback_id", "external_id"):
        _check_str(view.get(key), f"/{key}", ID_LENGTH, problems)
    _check_str(view.get("private_metadata"), "/private_metadata", PRIVATE_METADATA, problems)
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("/blocks: missing required field")
    else:
        _check_blocks(blocks, "/blocks", VIEW_BLOCKS, "view", problems)
    if kind == "modal":
        _check_text(view.get("title"), "/title", MODAL_TITLE, problems, plain=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                _check_text(view[key], f"/{key}", MODAL_TITLE, problems, plain=True)
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            problems.append("/submit: required when the modal has input blocks")
    return problems


# -- blocks ------------------------------------------------------------------


def _check_blocks(blocks: Any, path: str, limit: int, surface: str, problems: list[str]) -> None:
    if not isinstance(blocks, list):
        problems.append(f"{path}: must be an array")
        return
    if len(blocks) > limit:
        problems.append(f"{path}: {len(blocks)} blocks, more than the {limit} allowed")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{path}/{i}"
        if not isinstance(block, dict):
            problems.append(f"{where}: must be an object")
            continue
        block_id = block.get("block_id")
        _check_str(block_id, f"{where}/block_id", ID_LENGTH, problems)
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(f"{where}/block_id: duplicate block_id {block_id!r}")
            seen.add(block_id)
        _check_block(block, where, surface, problems)


def _check_block(block: dict, path: str, surface: str, problems: list[str]) -> None:
    kind = block.get("type")
    if not isinstance(kind, str) or kind not in KNOWN_BLOCKS:
        problems.append(f"{path}/type: unknown block type {kind!r}")
    elif kind == "section":
        _check_section(block, path, problems)
    elif kind == "header":
        _check_text(block.get("text"), f"{path}/text", HEADER_TEXT, problems, plain=True)
    elif kind == "context":
        elements = _check_list(
            block.get("elements"), f"{path}/elements", CONTEXT_ELEMENTS, problems
        )
        for j, element in enumerate(elements):
            where = f"{path}/elements/{j}"
            if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
                _check_text(element, where, None, problems)
            elif not (isinstance(element, dict) and element.get("type") == "image"):
                problems.append(f"{where}: must be a text object or an image")
    elif kind == "actions":
        elements = _check_list(
            block.get("elements"), f"{path}/elements", ACTIONS_ELEMENTS, problems
        )
        for j, element in enumerate(elements):
            _check_element(element, f"{path}/elements/{j}", problems)
    elif kind == "input":
        if surface == "message":
            problems.append(f"{path}: input blocks are allowed in modals and Home tabs only")
        _check_text(block.get("label"), f"{path}/label", INPUT_LABEL, problems, plain=True)
        if block.get("hint") is not None:
            _check_text(block["hint"], f"{path}/hint", INPUT_LABEL, problems, plain=True)
        if block.get("element") is None:
            problems.append(f"{path}/element: missing required field")
        else:
            _check_element(block["element"], f"{path}/element", problems)
    elif kind == "image":
        _check_str(block.get("image_url"), f"{path}/image_url", BUTTON_URL, problems)


def _check_section(block: dict, path: str, problems: list[str]) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        problems.append(f"{path}: a section needs text or fields")
    if text is not None:
        _check_text(text, f"{path}/text", SECTION_TEXT, problems)
    if fields is not None:
        for j, field in enumerate(_check_list(fields, f"{path}/fields", SECTION_FIELDS, problems)):
            _check_text(field, f"{path}/fields/{j}", FIELD_TEXT, problems)
    if block.get("accessory") is not None:
        _check_element(block["accessory"], f"{path}/accessory", problems)


# -- elements ----------------------------------------------------------------


def _check_element(element: Any, path: str, problems: list[str]) -> None:
    if not isinstance(element, dict):
        problems.append(f"{path}: must be an object")
        return
    kind = element.get("type")
    if not isinstance(kind, str):
        problems.append(f"{path}/type: missing element type")
        return
    _check_str(element.get("action_id"), f"{path}/action_id", ID_LENGTH, problems)
    if element.get("placeholder") is not None:
        _check_text(
            element["placeholder"], f"{path}/placeholder", PLACEHOLDER_TEXT, problems, plain=True
        )
    if element.get("confirm") is not None:
        _check_confirm(element["confirm"], f"{path}/confirm", problems)
    if kind == "button":
        _check_text(element.get("text"), f"{path}/text", BUTTON_TEXT, problems, plain=True)
        _check_str(element.get("value"), f"{path}/value", BUTTON_VALUE, problems)
        _check_str(element.get("url"), f"{path}/url", BUTTON_URL, problems)
    elif kind in _OPTION_LIMITS:
        plain = kind not in _MRKDWN_OPTIONS
        limit = _OPTION_LIMITS[kind]
        if element.get("options") is not None:
            _check_options(element["options"], f"{path}/options", limit, plain, problems)
        if element.get("option_groups") is not None:
            groups = _check_list(element["option_groups"], f"{path}/option_groups", limit, problems)
            for g, group in enumerate(groups):
                where = f"{path}/option_groups/{g}"
                if not isinstance(group, dict):
                    problems.append(f"{where}: must be an object")
                    continue
                _check_text(group.get("label"), f"{where}/label", OPTION_TEXT, problems, plain=True)
                _check_options(group.get("options"), f"{where}/options", limit, plain, problems)
        if element.get("initial_option") is not None:
            _check_option(element["initial_option"], f"{path}/initial_option", plain, problems)
        initial = element.get("initial_options")
        if initial is not None:
            _check_options(initial, f"{path}/initial_options", limit, plain, problems)


def _check_options(options: Any, path: str, limit: int, plain: bool, problems: list[str]) -> None:
    for k, option in enumerate(_check_list(options, path, limit, problems)):
        _check_option(option, f"{path}/{k}", plain, problems)


def _check_option(option: Any, path: str, plain: bool, problems: list[str]) -> None:
    if not isinstance(option, dict):
        problems.append(f"{path}: must be an object")
        return
    _check_text(option.get("text"), f"{path}/text", OPTION_TEXT, problems, plain=plain)
    if option.get("value") is None:
        problems.append(f"{path}/value: missing required field")
    _check_str(option.get("value"), f"{path}/value", OPTION_VALUE, problems)
    if option.get("description") is not None:
        _check_text(option["description"], f"{path}/description", OPTION_TEXT, problems, plain=True)
    _check_str(option.get("url"), f"{path}/url", BUTTON_URL, problems)


def _check_confirm(confirm: Any, path: str, problems: list[str]) -> None:
    if not isinstance(confirm, dict):
        problems.append(f"{path}: must be an object")
        return
    _check_text(confirm.get("title"), f"{path}/title", 100, problems, plain=True)
    _check_text(confirm.get("text"), f"{path}/text", 300, problems)
    _check_text(confirm.get("confirm"), f"{path}/confirm", 30, problems, plain=True)
    _check_text(confirm.get("deny"), f"{path}/deny", 30, problems, plain=True)


# -- primitives --------------------------------------------------------------


def _check_text(
    obj: Any, path: str, limit: int | None, problems: list[str], *, plain: bool = False
) -> None:
    """A text object: right type, a non-empty string, within ``limit`` characters."""
    if obj is None:
        problems.append(f"{path}: missing required field")
        return
    if not isinstance(obj, dict):
        problems.append(f"{path}: must be a text object")
        return
    kind = obj.get("type")
    if plain and kind != "plain_text":
        problems.append(f"{path}/type: must be plain_text, got {kind!r}")
    elif kind not in ("plain_text", "mrkdwn"):
        problems.append(f"{path}/type: must be plain_text or mrkdwn, got {kind!r}")
    text = obj.get("text")
    if not isinstance(text, str):
        problems.append(f"{path}/text: must be a string")
    elif not text:
        problems.append(f"{path}/text: must not be empty")
    elif limit is not None and len(text) > limit:
        problems.append(f"{path}/text: {len(text)} characters, more than the {limit} allowed")


def _check_str(value: Any, path: str, limit: int, problems: list[str]) -> None:
    """An optional string field: absent is fine, otherwise a string within ``limit``."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.append(f"{path}: must be a string")
    elif len(value) > limit:
        problems.append(f"{path}: {len(value)} characters, more than the {limit} allowed")


def _check_list(value: Any, path: str, limit: int, problems: list[str]) -> list:
    """A required array of at most ``limit`` items; returns it (or [] if it is not one)."""
    if value is None:
        problems.append(f"{path}: missing required field")
        return []
    if not isinstance(value, list):
        problems.append(f"{path}: must be an array")
        return []
    if len(value) > limit:
        problems.append(f"{path}: {len(value)} items, more than the {limit} allowed")
    return value
