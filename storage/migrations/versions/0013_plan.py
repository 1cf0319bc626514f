"""project plans and milestones: a project's planned start, finish, budget (BAC), sponsor and method, and the
baseline frozen when the planning gate passes; milestones numbered per project
(APOLLO-M1, …) with their baseline date, forecast and done date (issue 11)

Existing projects get no row: they have no plan until `/pmo project KEY plan …`.

Revision ID: 0013_plan
Revises: 0007_outbox_recovery
Create Date: 2026-12-04 16:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0013_plan'
down_revision = '0011_status'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_plans',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('finish_on', sa.Date(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('sponsor_id', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('baseline_start', sa.Date(), nullable=True),
    sa.Column('baseline_finish', sa.Date(), nullable=True),
    sa.Column('baseline_budget', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('baselined_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=32), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('budget > 0 AND finish_on >= start_on', name=op.f('ck_project_plans_plan')),
    sa.CheckConstraint('baseline_budget IS NULL OR (baseline_budget > 0 AND baseline_finish >= baseline_start)', name=op.f('ck_project_plans_baseline')),
    sa.CheckConstraint("method IS NULL OR method IN ('waterfall', 'agile', 'hybrid')", name=op.f('ck_project_plans_method')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_plans_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_plans'))
    )
    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('forecast_on', sa.Date(), nullable=True),
    sa.Column('expected_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1 AND weight >= 1', name=op.f('ck_milestones_numbers')),
    sa.CheckConstraint('expected_on = COALESCE(forecast_on, due_on)', name=op.f('ck_milestones_expected')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_milestones_project_id_number'))
    )
    op.create_index('ix_milestones_open', 'milestones', ['done_on', 'expected_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_milestones_open', table_name='milestones')
    op.drop_table('milestones')
    op.drop_table('project_plans')
