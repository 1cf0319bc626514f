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
    return value if isinstance(value, str) else None
