"""`[status]`: how often status reports are due, who may post them, how long a correction is
allowed, and when a silent project counts as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.config._checks import _int_in, _no_unknown_keys, _roles

_POSTERS = ("pm", "admin", "anyone")


@dataclass(frozen=True, slots=True)
class StatusRules:
    """Status reports (standard 2, information and reporting): how often and by whom."""

    cadence_days: int = 7
    edit_window_hours: int = 24
    posters: tuple[str, ...] = ("pm", "admin")
    stale_after_days: int = 14
    first_update_within_days: int = 7
    """A new project's grace: its first update is due this many days after it was registered
    (default: the cadence). Until then no "no update yet" nudge, and the digest's compliance
    line leaves it out."""


def _parse_status(table: dict) -> StatusRules:
    """[status]: cadence of status reports; staleness is measured against the cadence."""
    keys = ("cadence_days", "edit_window_hours", "posters", "stale_after_days",
            "first_update_within_days")
    _no_unknown_keys(table, "status", keys)
    d = StatusRules()
    cadence = _int_in(table.get("cadence_days", d.cadence_days), "status.cadence_days", 1, 90)
    stale = table.get("stale_after_days", 2 * cadence)
    return StatusRules(
        cadence_days=cadence,
        edit_window_hours=_int_in(
            table.get("edit_window_hours", d.edit_window_hours), "status.edit_window_hours", 1, 720
        ),
        posters=_roles(table.get("posters", list(d.posters)), "status.posters", _POSTERS),
        stale_after_days=_int_in(
            stale, "status.stale_after_days", cadence, 365, low_name="status.cadence_days"
        ),
        first_update_within_days=_int_in(
            table.get("first_update_within_days", cadence), "status.first_update_within_days",
            0, 365),
    )
