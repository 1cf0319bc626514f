"""scheduler: reminder ledger, user time zones, projects.last_status_at (indexed)

The planner finds overdue status updates by an index range on (state, last_status_at), so the
column is back-filled from each project's newest update.

Revision ID: 0004_scheduler
Revises: 0001
Create Date: 2026-11-28 04:26:55.034021
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0004_scheduler'
down_revision = '0003_gates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('due_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('nudges', sa.Integer(), nullable=False),
    sa.Column('last_nudged_on', sa.Date(), nullable=True),
    sa.Column('escalated_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_ledger')),
    sa.UniqueConstraint('item_key', 'recipient', name=op.f('uq_reminder_ledger_item_key_recipient'))
    )
    op.create_table('user_timezones',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('fetched_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_timezones'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_status_at', storage.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_projects_status_due', ['state', 'last_status_at'], unique=False)
    op.execute("""
        UPDATE projects SET last_status_at = (
            SELECT max(s.created_at) FROM status_updates s WHERE s.project_id = projects.id)""")


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_status_due')
        batch_op.drop_column('last_status_at')

    op.drop_table('user_timezones')
    op.drop_table('reminder_ledger')
