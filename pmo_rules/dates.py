"""Calendar dates as people type them into commands: YYYY-MM-DD and nothing else.

Other ISO spellings (20261201, 2026-W48) and locale forms (12/01) are read two ways by
different people, so they are refused as typos; each command says so in its own words.
"""

from __future__ import annotations

import re
from datetime import date

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: str | None) -> date | None:
    """The date `value` names, or None when it is not a real YYYY-MM-DD date (2026-02-30)."""
    text = (value or "").strip()
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
