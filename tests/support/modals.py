"""Filling in a modal the way a person does in Slack, for `driver.view_submission`.

Slack submits every input block of the view: what the person typed or chose, else the value the
view pre-filled, else nothing. `fill(view, summary="…")` builds exactly that `state.values`.
"""

from __future__ import annotations

from typing import Any

SELECTS = ("static_select", "external_select")


def fill(view: dict, **answers: str | None) -> dict[str, dict[str, Any]]:
    """{block_id: {action_id: element state}} for every input; `answers` override by block id.

    A select answer is an option value; an answer of None clears the input.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        value = answers[block_id] if block_id in answers else _initial(element)
        values[block_id] = {element["action_id"]: _state(element, value)}
    unknown = set(answers) - set(values)
    assert not unknown, f"the view has no input blocks {sorted(unknown)}"
    return values


def _initial(element: dict) -> str | None:
    if element["type"] in SELECTS:
        return (element.get("initial_option") or {}).get("value")
    return element.get("initial_value")


def _state(element: dict, value: str | None) -> dict[str, Any]:
    if element["type"] in SELECTS:
        if value is None:
            return {"type": element["type"], "selected_option": None}
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        assert option is not None, f"{value!r} is not one of the select's options"
        return {"type": element["type"], "selected_option": option}
    return {"type": element["type"], "value": value}


def option_values(view: dict, block_id: str) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for o in block["element"].get("options", [])]


def initial(view: dict, block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return _initial(block["element"])
