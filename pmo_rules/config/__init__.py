"""The PMO rules file as typed, validated configuration.

The PMO standard fixes the shape of the work (the life cycle of section 3.1, status reports, a
risk register, escalation) but not the numbers: how often status is due, who signs off a gate,
when a risk counts as high. Those are the organisation's choices, so they live in a rules file
that the PMO edits. This module turns the already-parsed file (a plain dict) into frozen
dataclasses and refuses anything it does not understand, with a one-line reason that names the
dotted key. It does no file I/O and reads no clock, so it is trivially testable and the same
checks run whether the dict came from TOML, a test, or a future admin command.

Every unknown key is an error: a typo such as `cadance_days` must not silently leave the default
in force while the PMO believes it changed the rule.

The schema is one module per section (`pmo.py`, `status.py`, `risk.py`, `gates.py`,
`reminders.py`, `digest.py`, `indicators.py`, `milestones.py`, `plans.py`,
`portfolio.py`, `changes.py`, `lessons.py`, `access.py`, `report.py`), each with its frozen
dataclass and its parser; the checks they share are in `_checks.py`. This module puts them together:
`Rules`, `parse_rules`, `RulesError` and `DEFAULT_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo_rules.config._checks import _Invalid, _no_unknown_keys, _one_line, _section, _table
from pmo_rules.config.access import AccessRules, _parse_access
from pmo_rules.config.changes import ChangeRules, _parse_changes
from pmo_rules.config.digest import DigestRules, _parse_digest
from pmo_rules.config.gates import GateRule, GatesRules, _parse_gates
from pmo_rules.config.indicators import IndicatorRules, _parse_indicators
from pmo_rules.config.lessons import LessonRules, _parse_lessons
from pmo_rules.config.milestones import MilestoneRules, _parse_milestones
from pmo_rules.config.plans import PlanRules, _parse_plans
from pmo_rules.config.pmo import PmoRules, _parse_pmo
from pmo_rules.config.portfolio import Criterion, PortfolioRules, _parse_portfolio
from pmo_rules.config.reminders import ReminderRules, _parse_reminders
from pmo_rules.config.report import ReportRules, _parse_report
from pmo_rules.config.risk import RiskLevels, RiskRules, _parse_risk
from pmo_rules.config.status import StatusRules, _parse_status
from pmo_rules.lifecycle import phase_index

__all__ = [
    "AccessRules", "ChangeRules", "DEFAULT_RULES", "DEFAULT_SOURCE", "Criterion", "DigestRules",
    "GateRule", "GatesRules", "IndicatorRules", "LessonRules",
    "MilestoneRules", "PlanRules", "PmoRules", "PortfolioRules",
    "ReminderRules", "ReportRules", "RiskLevels", "RiskRules", "Rules", "RulesError", "StatusRules",
    "parse_rules",
]

DEFAULT_SOURCE = "<defaults>"


class RulesError(Exception):
    """A rules file the bot refuses to run with; `str()` is one line an operator can act on.

    `source` is the file path (or "<defaults>"), `key` the dotted key at fault (or a marker such
    as "(syntax)" or "(file)"), `reason` what is wrong and what would be accepted.
    """

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(source, key, reason)
        self.source = source
        self.key = key
        self.reason = reason

    def __str__(self) -> str:
        return _one_line(f"rules file {self.source}: {self.key}: {self.reason}")


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the rules file decides, validated and immutable."""

    pmo: PmoRules = PmoRules()
    status: StatusRules = StatusRules()
    risk: RiskRules = RiskRules()
    gates: GatesRules = GatesRules()
    reminders: ReminderRules = ReminderRules()
    digest: DigestRules = DigestRules()
    indicators: IndicatorRules = IndicatorRules()
    milestones: MilestoneRules = MilestoneRules()
    plans: PlanRules = PlanRules()
    portfolio: PortfolioRules = PortfolioRules()
    changes: ChangeRules = ChangeRules()
    lessons: LessonRules = LessonRules()
    access: AccessRules = AccessRules()
    report: ReportRules = ReportRules()

    def gate(self, phase: str) -> GateRule:
        """The exit gate of `phase`; ValueError for a name that is not one of PHASES."""
        phase_index(phase)
        return getattr(self.gates, phase)

    def approval_rule(self, name: str) -> GateRule:
        """Who approves `name`: a phase's exit gate, or "changes" (change requests)."""
        return self.changes.rule if name == "changes" else self.gate(name)


def parse_rules(data: dict, source: str = DEFAULT_SOURCE) -> Rules:
    """Validate `data` (a parsed rules file) into Rules, or raise RulesError naming the key."""
    try:
        return _parse(data)
    except _Invalid as bad:
        raise RulesError(source, bad.key, bad.reason) from None


_SECTIONS = ("pmo", "status", "risk", "gates", "reminders", "digest", "indicators",
             "milestones", "plans", "portfolio", "changes", "lessons", "access", "report")


def _parse(data: Any) -> Rules:
    """Parse every section; the order lets later sections refer to earlier ones."""
    top = _table(data, "(top level)")
    _no_unknown_keys(top, "", _SECTIONS, noun="section")
    return Rules(
        pmo=_parse_pmo(_section(top, "pmo")),
        status=_parse_status(_section(top, "status")),
        risk=_parse_risk(_section(top, "risk")),
        gates=_parse_gates(_section(top, "gates")),
        reminders=_parse_reminders(_section(top, "reminders")),
        digest=_parse_digest(_section(top, "digest")),
        indicators=_parse_indicators(_section(top, "indicators")),
        milestones=_parse_milestones(_section(top, "milestones")),
        plans=_parse_plans(_section(top, "plans")),
        portfolio=_parse_portfolio(_section(top, "portfolio")),
        changes=_parse_changes(_section(top, "changes")),
        lessons=_parse_lessons(_section(top, "lessons")),
        access=_parse_access(_section(top, "access")),
        report=_parse_report(_section(top, "report")),
    )


DEFAULT_RULES: Rules = parse_rules({})
"""The rules in force when no file is given; built by the parser so the two cannot drift."""
