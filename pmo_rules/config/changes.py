"""`[changes]`: who approves change requests, the quorum (read by pmo_rules.approvals.Quorum,
the one parser, with the same bound as gates), and when approvers are reminded. A project may
override the approvers as it does a gate's: `/pmo project KEY approvers changes @a @b`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo_rules.approvals import MAX_APPROVERS
from pmo_rules.config._checks import _int_in, _Invalid, _no_unknown_keys, _user_ids
from pmo_rules.config.gates import GateRule, _quorum


@dataclass(frozen=True, slots=True)
class ChangeRules:
    """Change control (issue 12): approvers and quorum, the self-approval rule of `[gates]`
    applies to them as well (one engine), and the hours before a waiting approver is nudged."""

    approvers: tuple[str, ...] = ()
    quorum: str | int = "any"
    remind_after_hours: int = 24

    @property
    def rule(self) -> GateRule:
        """The approvers and quorum in the shape a gate's take, for the one engine."""
        return GateRule(approvers=self.approvers, quorum=self.quorum)


def _parse_changes(table: dict) -> ChangeRules:
    _no_unknown_keys(table, "changes", ("approvers", "quorum", "remind_after_hours"))
    d = ChangeRules()
    approvers = _user_ids(table.get("approvers", []), "changes.approvers")
    if len(approvers) > MAX_APPROVERS:
        raise _Invalid("changes.approvers",
                       f"must list at most {MAX_APPROVERS} approvers (got {len(approvers)})")
    return ChangeRules(
        approvers=approvers,
        quorum=_quorum(table.get("quorum", d.quorum), "changes.quorum", len(approvers)),
        remind_after_hours=_int_in(table.get("remind_after_hours", d.remind_after_hours),
                                   "changes.remind_after_hours", 1, 720),
    )
