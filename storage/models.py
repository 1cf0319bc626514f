"""Every table the bot has, imported in one place so Alembic and tests see the whole schema."""

from storage.audit import AuditEntry
from storage.base import Base
from storage.outbox import Delivery
from storage.projects import Project, StatusUpdate
from storage.reminders import ReminderLedger, UserZone

__all__ = ["AuditEntry", "Base", "Delivery", "Project", "ReminderLedger", "StatusUpdate",
           "UserZone"]
