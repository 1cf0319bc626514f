"""Every table the bot has, imported in one place so Alembic and tests see the whole schema."""

from storage.audit import AuditEntry
from storage.base import Base
from storage.gates import GateApprovers, GateRequest, GateVote
from storage.inbox import InboxItem
from storage.lessons import Lesson
from storage.milestones import Milestone
from storage.outbox import Delivery
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate
from storage.reminders import ReminderLedger, UserZone
from storage.risks import Risk, RiskCounter

__all__ = ["AuditEntry", "Base", "Delivery", "GateApprovers", "GateRequest", "GateVote",
           "InboxItem", "Lesson", "Milestone", "Project", "ProjectPlan", "ReminderLedger", "Risk",
           "RiskCounter", "StatusUpdate", "UserZone"]
