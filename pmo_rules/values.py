"""What buttons and forms carry: one small frozen dataclass per kind of button value or modal
`private_metadata`, each with `encode() -> str` and `decode(raw) -> instance`.

The bot writes these on messages and views and reads them back when someone clicks or submits,
possibly days later, possibly from a request built by hand. So `decode` is total: anything it
did not write (stale, forged, damaged, another kind's value) raises the `UserError` of the
surface it belongs to (`STALE`), which the person reads; never a KeyError in a listener.

The wire format is compact JSON with one- or two-letter names, the format every earlier version
of the bot wrote, so buttons on cards already posted in Slack keep working (JSON with spaces, as
older templates wrote it, reads the same). Every value is a few dozen characters, far inside
Slack's limits (a button value 2,000 characters, private_metadata 3,000); `encode` refuses
anything longer, and `decode` does not even parse it.

Button names and action ids are in `pmo_rules.ids`; both modules are pure and import no layer
above pmo_rules, so listeners, templates and the reminder sources share them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import ClassVar, Self

from pmo_rules.errors import UserError
from pmo_rules.lifecycle import PHASES
from pmo_rules.projects import looks_like_key, parse_key

BUTTON_MAX = 2000
"""Slack's limit on a button's value."""
METADATA_MAX = 3000
"""Slack's limit on a view's private_metadata."""
TEXT_MAX = 160
"""The longest text field a value carries (a project KEY, a channel id, a reminder item key)."""


@dataclass(frozen=True, slots=True)
class Value:
    """A value the bot writes on a button or a view and reads back. Subclasses name their
    fields' wire names in `WIRE` (field name → JSON name) and check them in `_check`."""

    STALE: ClassVar[str] = "form.stale"
    """The refusal for a value this class did not write: each surface keeps its own words."""
    LIMIT: ClassVar[int] = BUTTON_MAX
    WIRE: ClassVar[dict[str, str]] = {}

    def encode(self) -> str:
        data = {self.WIRE[f.name]: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}
        raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(raw) > self.LIMIT:
            raise ValueError(f"{type(self).__name__} encodes to {len(raw)} characters")
        return raw

    @classmethod
    def decode(cls, raw: object) -> Self:
        """The value `encode` wrote, or `UserError(cls.STALE)` for anything else."""
        data = None
        if isinstance(raw, str) and 0 < len(raw) <= cls.LIMIT:
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
        if not isinstance(data, dict) or not data.keys() <= set(cls.WIRE.values()):
            raise UserError(cls.STALE)  # not ours, or another kind's value
        value = cls(**{name: data.get(wire) for name, wire in cls.WIRE.items()})
        return value._check()

    def _check(self) -> Self:
        return self

    # Field checks for `_check`: a wrong type or shape is the class's refusal.
    def _id(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(self.STALE)
        return value

    def _text(self, value: object) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= TEXT_MAX:
            raise UserError(self.STALE)
        return value


def _channel(value: object) -> str | None:
    """Where a form's confirmation goes: a channel id, or None (the person's DM) when the form
    was opened from nowhere in particular or the value is unusable."""
    return value if isinstance(value, str) and 0 < len(value) <= TEXT_MAX else None


# --- stage gates --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GateButton(Value):
    """Approve / Reject on an approval card (and in a vote reminder); also the Reject reason
    modal's metadata, since that form casts the vote the button started."""

    request_id: int
    STALE: ClassVar[str] = "gate.bad_button"
    WIRE: ClassVar[dict[str, str]] = {"request_id": "g"}

    def _check(self) -> Self:
        self._id(self.request_id)
        return self


@dataclass(frozen=True, slots=True)
class ChangeButton(Value):
    """Approve / Reject on a change request's approval card (and in its vote reminder); also
    the Reject reason modal's metadata."""

    request_id: int
    STALE: ClassVar[str] = "change.bad_button"
    WIRE: ClassVar[dict[str, str]] = {"request_id": "c"}

    def _check(self) -> Self:
        self._id(self.request_id)
        return self


@dataclass(frozen=True, slots=True)
class GateRequestForm(Value):
    """The `/gate request` checklist form: which project, and which gate it was opened for."""

    key: str
    phase: str
    STALE: ClassVar[str] = "gate.bad_button"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "k", "phase": "ph"}

    def _check(self) -> Self:
        if not (isinstance(self.key, str) and looks_like_key(self.key)
                and self.phase in PHASES):
            raise UserError(self.STALE)
        return self


@dataclass(frozen=True, slots=True)
class GateKillForm(Value):
    """The form that confirms `/gate decide KEY kill …`: which project is to be cancelled."""

    key: str
    STALE: ClassVar[str] = "gate.bad_button"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "kill"}

    def _check(self) -> Self:
        if not (isinstance(self.key, str) and looks_like_key(self.key)):
            raise UserError(self.STALE)
        return self


# --- issues -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IssueButton(Value):
    """"I'll coordinate" on an issue sent to the PMO."""

    issue_id: int
    STALE: ClassVar[str] = "issue.button_stale"
    WIRE: ClassVar[dict[str, str]] = {"issue_id": "i"}

    def _check(self) -> Self:
        self._id(self.issue_id)
        return self


@dataclass(frozen=True, slots=True)
class IssueForm(Value):
    """The issue add form: the project and where the confirmation goes."""

    key: str
    channel: str | None = None
    STALE: ClassVar[str] = "issue.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"key": "k", "channel": "c"}

    def _check(self) -> Self:
        if not (isinstance(self.key, str) and looks_like_key(self.key)):
            raise UserError(self.STALE)
        return IssueForm(self.key, _channel(self.channel))


# --- risks --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RiskButton(Value):
    """Reviewed / Update / Close on a risk card, wherever the card (or a nudge) shows them."""

    risk_id: int
    STALE: ClassVar[str] = "risk.button_stale"
    WIRE: ClassVar[dict[str, str]] = {"risk_id": "r"}

    def _check(self) -> Self:
        self._id(self.risk_id)
        return self


@dataclass(frozen=True, slots=True)
class RiskForm(Value):
    """The risk add form (`risk_id` None) or update form (the risk and the version it shows,
    to catch changes made meanwhile); `channel` is where the confirmation goes."""

    channel: str | None
    risk_id: int | None = None
    version: int | None = None
    STALE: ClassVar[str] = "risk.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"channel": "c", "risk_id": "r", "version": "v"}

    def _check(self) -> Self:
        if self.risk_id is None:
            return RiskForm(_channel(self.channel))
        self._id(self.risk_id)
        self._id(self.version)
        return RiskForm(_channel(self.channel), self.risk_id, self.version)

    @property
    def is_update(self) -> bool:
        return self.risk_id is not None


@dataclass(frozen=True, slots=True)
class RiskCloseForm(Value):
    """The risk close form: which risk, and where the confirmation goes."""

    risk_id: int
    channel: str | None
    STALE: ClassVar[str] = "risk.form_stale"
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"risk_id": "r", "channel": "c"}

    def _check(self) -> Self:
        self._id(self.risk_id)
        return RiskCloseForm(self.risk_id, _channel(self.channel))


# --- status updates -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatusForm(Value):
    """The status form for a new update: where it was opened from (for the confirmation)."""

    channel: str | None
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"channel": "c"}

    def _check(self) -> Self:
        return StatusForm(_channel(self.channel))


@dataclass(frozen=True, slots=True)
class StatusEditForm(Value):
    """The status form correcting an update: which update, and where it was opened from."""

    status_id: int
    channel: str | None
    LIMIT: ClassVar[int] = METADATA_MAX
    WIRE: ClassVar[dict[str, str]] = {"channel": "c", "status_id": "s"}

    def _check(self) -> Self:
        self._id(self.status_id)
        return StatusEditForm(self.status_id, _channel(self.channel))


@dataclass(frozen=True, slots=True)
class ProjectButton(Value):
    """The Home tab's "Post update" beside a project: opens the status form on it (an unknown
    KEY is answered by the form's own notice)."""

    key: str
    WIRE: ClassVar[dict[str, str]] = {"key": "k"}

    def _check(self) -> Self:
        self._text(self.key)
        return self


# --- reminders ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PostStatus(Value):
    """A status reminder's "Post update": the project KEY (read back in canonical case)."""

    key: str
    STALE: ClassVar[str] = "nudge.malformed"
    WIRE: ClassVar[dict[str, str]] = {"key": "p"}

    def _check(self) -> Self:
        return PostStatus(parse_key(self._text(self.key), usage=None))


@dataclass(frozen=True, slots=True)
class Snooze(Value):
    """A reminder's Snooze: the item occurrence it pauses, `DueItem.key`
    ("<kind>:<item id>:<due key>", e.g. "status:12:20261130T0200Z")."""

    item_key: str
    STALE: ClassVar[str] = "nudge.malformed"
    WIRE: ClassVar[dict[str, str]] = {"item_key": "n"}

    def _check(self) -> Self:
        kind, item_id, due_key = _parts(self._text(self.item_key))
        if not (kind and item_id and len(due_key) == 14 and due_key.endswith("Z")):
            raise UserError(self.STALE)
        return self

    @property
    def kind(self) -> str:
        return _parts(self.item_key)[0]

    @property
    def item_id(self) -> str:
        return _parts(self.item_key)[1]


def _parts(item_key: str) -> tuple[str, str, str]:
    kind, _, rest = item_key.partition(":")
    item_id, _, due_key = rest.rpartition(":")
    return kind, item_id, due_key


ButtonValue = GateButton | RiskButton | PostStatus | Snooze | ProjectButton
"""What a button under a nudged item may carry (`pmo_rules.reminders.ButtonSpec.value`)."""
