"""risk register: risks and the per-project counter behind their readable IDs

The status/date indexes serve the risk lists, the portfolio view and the reminder planner,
which scans active risks by next review date and by response due date.

Revision ID: 0002_risks
Revises: 0001
Create Date: 2026-11-28 04:23:44.058480
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0002_risks'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_counters',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_risk_counters_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_risk_counters'))
    )
    op.create_table('risks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('trigger', sa.Text(), nullable=True),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('response', sa.String(length=16), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=False),
    sa.Column('last_reviewed_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_reviewed_by', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('card_delivery_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("response IS NULL OR response IN ('avoid', 'mitigate', 'transfer', 'accept', 'escalate')", name=op.f('ck_risks_response')),
    sa.CheckConstraint("status IN ('open', 'mitigating', 'closed', 'occurred')", name=op.f('ck_risks_status')),
    sa.CheckConstraint('probability >= 1 AND impact >= 1 AND score = probability * impact', name=op.f('ck_risks_rating')),
    sa.ForeignKeyConstraint(['card_delivery_id'], ['deliveries.id'], name=op.f('fk_risks_card_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_risks_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risks')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_risks_project_id_number'))
    )
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.create_index('ix_risks_owner_id_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_risks_status_due_on', ['status', 'due_on'], unique=False)
        batch_op.create_index('ix_risks_status_next_review_on', ['status', 'next_review_on'], unique=False)
        batch_op.create_index('ix_risks_status_score', ['status', 'score'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_index('ix_risks_status_score')
        batch_op.drop_index('ix_risks_status_next_review_on')
        batch_op.drop_index('ix_risks_status_due_on')
        batch_op.drop_index('ix_risks_owner_id_status')

    op.drop_table('risks')
    op.drop_table('risk_counters')
