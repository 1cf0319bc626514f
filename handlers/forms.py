"""Reading what comes back from Slack's views and buttons: form values, metadata, button values.

All of it arrives from outside (a modal opened yesterday, a button on an old message, a request
someone built by hand), so a malformed piece becomes a `UserError` the person can read — never a
KeyError deep inside a listener.
"""

from __future__ import annotations

import json
from typing import Any

from pmo_rules.errors import UserError

STALE = "form.stale"


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
    return value if isinstance(value, str) else None


def pack(**data: Any) -> str:
    """Small typed metadata for a button value or a view's private_metadata (compact JSON)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def unpack(raw: Any) -> dict[str, Any]:
    """The metadata `pack` wrote; anything else means the view or button is stale or forged."""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UserError(STALE)
    return data


def field_of(data: dict[str, Any], name: str, kind: type) -> Any:
    """One typed entry of unpacked metadata, or the 'out of date' refusal."""
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UserError(STALE)
    return value
