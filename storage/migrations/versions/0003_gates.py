"""gates: requests, votes, per-project approvers

One open request per project is a partial unique index (the same WHERE clause on SQLite and
PostgreSQL); one vote per approver is a unique constraint; states and votes are CHECKed.

Revision ID: 0003_gates
Revises: 0002_risks
Create Date: 2026-11-28 04:24:24.321761
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0003_gates'
down_revision = '0002_risks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gate_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=False),
    sa.Column('requested_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('approvers', sa.JSON(), nullable=False),
    sa.Column('required', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.String(length=8), nullable=False),
    sa.Column('card_ids', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('hold_until', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'passed', 'rejected', 'held', 'killed', 'withdrawn', 'cancelled')", name=op.f('ck_gate_requests_state')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_gate_requests_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_requests'))
    )
    with op.batch_alter_table('gate_requests', schema=None) as batch_op:
        batch_op.create_index('ix_gate_requests_project_requested', ['project_id', 'requested_at'], unique=False)
        batch_op.create_index('ix_gate_requests_state_requested', ['state', 'requested_at'], unique=False)
        batch_op.create_index('uq_gate_requests_one_open', ['project_id'], unique=True, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))

    op.create_table('gate_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.String(length=32), nullable=False),
    sa.Column('vote', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("vote IN ('approve', 'reject')", name=op.f('ck_gate_votes_vote')),
    sa.ForeignKeyConstraint(['request_id'], ['gate_requests.id'], name=op.f('fk_gate_votes_request_id_gate_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_votes')),
    sa.UniqueConstraint('request_id', 'approver_id', name=op.f('uq_gate_votes_request_id_approver_id'))
    )
    op.create_table('gate_approvers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('approvers', sa.JSON(), nullable=False),
    sa.Column('quorum', sa.String(length=8), nullable=True),
    sa.Column('set_by', sa.String(length=32), nullable=False),
    sa.Column('set_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_gate_approvers_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_approvers')),
    sa.UniqueConstraint('project_id', 'phase', name=op.f('uq_gate_approvers_project_id_phase'))
    )


def downgrade() -> None:
    op.drop_table('gate_approvers')
    op.drop_table('gate_votes')
    with op.batch_alter_table('gate_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_gate_requests_one_open', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
        batch_op.drop_index('ix_gate_requests_state_requested')
        batch_op.drop_index('ix_gate_requests_project_requested')

    op.drop_table('gate_requests')
