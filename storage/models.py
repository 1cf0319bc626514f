"""Every table the bot has, imported in one place so Alembic and tests see the whole schema."""

from storage.access import ChannelMember, ChannelSync
from storage.actions import Action
from storage.allocations import Allocation
from storage.audit import AuditEntry
from storage.base import Base
from storage.changes import ChangeRequest, ChangeVote
from storage.decisions import Decision
from storage.gates import GateApprovers, GateRequest, GateVote
from storage.inbox import InboxItem
from storage.issues import Issue
from storage.lessons import Lesson
from storage.milestones import Milestone
from storage.outbox import Delivery
from storage.plans import ProjectPlan
from storage.projects import Project, StatusUpdate
from storage.proposals import Proposal, ProposalScore
from storage.raid_numbers import RaidCounter
from storage.reminders import ReminderLedger, UserZone
from storage.risks import Risk, RiskCounter

__all__ = ["Action", "Allocation", "AuditEntry", "Base", "ChangeRequest", "ChangeVote",
           "ChannelMember", "ChannelSync",
           "Decision", "Delivery", "GateApprovers", "GateRequest", "GateVote", "InboxItem",
           "Issue", "Lesson", "Milestone", "Project", "ProjectPlan", "Proposal",
           "ProposalScore", "RaidCounter", "ReminderLedger", "Risk", "RiskCounter",
           "StatusUpdate", "UserZone"]
