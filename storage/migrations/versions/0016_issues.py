"""issues: the RAID log's issues (issue 12) — numbered per project (APOLLO-I1, …) from
raid_counters (0017), with severity, owner, due date, the risk each was raised from (one issue per
risk), the escalation to the PMO and the admin coordinating it

Revision ID: 0016_issues
Revises: 0014_cost
Create Date: 2026-12-04 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0016_issues'
down_revision = '0014_cost'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('severity_rank', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('last_note', sa.Text(), nullable=True),
    sa.Column('risk_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('escalated_by', sa.String(length=32), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('coordinator_id', sa.String(length=32), nullable=True),
    sa.Column('coordinated_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('card_delivery_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_issues_status')),
    sa.CheckConstraint("severity IN ('low', 'medium', 'high', 'critical')", name=op.f('ck_issues_severity')),
    sa.CheckConstraint('number >= 1 AND severity_rank BETWEEN 0 AND 3', name=op.f('ck_issues_numbers')),
    sa.ForeignKeyConstraint(['card_delivery_id'], ['deliveries.id'], name=op.f('fk_issues_card_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_issues_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_issues_risk_id_risks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_issues_project_id_number')),
    sa.UniqueConstraint('risk_id', name=op.f('uq_issues_risk_id'))
    )
    op.create_index('ix_issues_status_due_on', 'issues', ['status', 'due_on'], unique=False)
    op.create_index('ix_issues_status_severity', 'issues', ['status', 'severity_rank', 'created_at'], unique=False)
    op.create_index('ix_issues_owner_id_status', 'issues', ['owner_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issues_owner_id_status', table_name='issues')
    op.drop_index('ix_issues_status_severity', table_name='issues')
    op.drop_index('ix_issues_status_due_on', table_name='issues')
    op.drop_table('issues')
