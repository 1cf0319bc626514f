"""change requests and their votes (issue 12): numbered per project (APOLLO-C1, …), approved
through the approvals engine like a stage gate; one vote per (request, approver)

Revision ID: 0015_changes
Revises: 0014_cost
Create Date: 2026-12-04 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0015_changes'
down_revision = '0020_proposals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('schedule_days', sa.Integer(), nullable=True),
    sa.Column('new_finish', sa.Date(), nullable=True),
    sa.Column('cost_delta', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('moves', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=False),
    sa.Column('requested_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('approvers', sa.JSON(), nullable=False),
    sa.Column('required', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.String(length=8), nullable=False),
    sa.Column('card_ids', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('applied', sa.JSON(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_change_requests_state')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_change_requests_number')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_change_requests_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_change_requests_project_id_number'))
    )
    op.create_index('ix_change_requests_state_requested', 'change_requests', ['state', 'requested_at'], unique=False)
    op.create_index('ix_change_requests_decided', 'change_requests', ['decided_at'], unique=False)
    op.create_table('change_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.String(length=32), nullable=False),
    sa.Column('vote', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("vote IN ('approve', 'reject')", name=op.f('ck_change_votes_vote')),
    sa.ForeignKeyConstraint(['request_id'], ['change_requests.id'], name=op.f('fk_change_votes_request_id_change_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_votes')),
    sa.UniqueConstraint('request_id', 'approver_id', name=op.f('uq_change_votes_request_id_approver_id'))
    )


def downgrade() -> None:
    op.drop_table('change_votes')
    op.drop_index('ix_change_requests_decided', table_name='change_requests')
    op.drop_index('ix_change_requests_state_requested', table_name='change_requests')
    op.drop_table('change_requests')
