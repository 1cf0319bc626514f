"""proposals: the portfolio's front door (issue 13) — proposals PR-1, PR-2, … with their
sponsor, objective, themes, cost, benefit, duration, delivery risk and state, linked to the
project an approval created; and each board member's score set (one per member and proposal).

Revision ID: 0020_proposals
Revises: 0014_cost
Create Date: 2026-12-04 19:21:48.045860
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0020_proposals'
down_revision = '0017_actions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('proposer_id', sa.String(length=32), nullable=False),
    sa.Column('sponsor_id', sa.String(length=32), nullable=True),
    sa.Column('objective', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('benefit_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('benefit', sa.Text(), nullable=True),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('delivery_risk', sa.Integer(), nullable=False),
    sa.Column('people', sa.String(length=200), nullable=True),
    sa.Column('own_scores', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('submitted', 'screening', 'approved', 'declined', 'withdrawn')", name=op.f('ck_proposals_state')),
    sa.CheckConstraint('number >= 1 AND cost > 0 AND months >= 1 AND delivery_risk BETWEEN 1 AND 5', name=op.f('ck_proposals_numbers')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_proposals_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('number', name=op.f('uq_proposals_number')),
    sa.UniqueConstraint('project_id', name=op.f('uq_proposals_project_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_state', ['state', 'created_at'], unique=False)

    op.create_table('proposal_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_scores_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_scores')),
    sa.UniqueConstraint('proposal_id', 'member_id', name=op.f('uq_proposal_scores_proposal_id_member_id'))
    )


def downgrade() -> None:
    op.drop_table('proposal_scores')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_state')

    op.drop_table('proposals')
