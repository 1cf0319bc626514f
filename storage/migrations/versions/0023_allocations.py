"""allocations: people's share of their time on projects (issue 13) — one row per person and
project (unique pair), percent 0-100, optionally until a date.

Revision ID: 0023_allocations
Revises: 0015_changes
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0023_allocations'
down_revision = '0021_lessons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('set_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_allocations_percent')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_allocations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations')),
    sa.UniqueConstraint('user_id', 'project_id', name=op.f('uq_allocations_user_id_project_id'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_project_id'))
    op.drop_table('allocations')
