"""actions and decisions: the A and D of the RAID log (issue 12)

`actions` (APOLLO-A1, …: title, owner, due date, done date, by whom, note), `decisions`
(APOLLO-D1, …: never changed; one may supersede an earlier one of the same project, once —
a composite foreign key and a unique constraint) and `raid_counters`, the per-project number
of each kind of entry, bumped under a row lock.

Revision ID: 0017_actions
Revises: 0014_cost
Create Date: 2026-12-04 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0017_actions'
down_revision = '0016_issues'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('raid_counters',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_raid_counters_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'kind', name=op.f('pk_raid_counters'))
    )
    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.Column('done_note', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_actions_numbers')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_actions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_actions_project_id_number'))
    )
    op.create_index('ix_actions_open', 'actions', ['done_on', 'due_on'], unique=False)
    op.create_index('ix_actions_owner', 'actions', ['owner_id', 'done_on'], unique=False)
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('supersedes_number', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1 AND (supersedes_number IS NULL OR supersedes_number < number)', name=op.f('ck_decisions_numbers')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_decisions_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id', 'supersedes_number'], ['decisions.project_id', 'decisions.number'], name=op.f('fk_decisions_project_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_decisions_project_id_number')),
    sa.UniqueConstraint('project_id', 'supersedes_number', name=op.f('uq_decisions_project_id_supersedes_number'))
    )
    op.create_index('ix_decisions_recorded', 'decisions', ['recorded_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decisions_recorded', table_name='decisions')
    op.drop_table('decisions')
    op.drop_index('ix_actions_owner', table_name='actions')
    op.drop_index('ix_actions_open', table_name='actions')
    op.drop_table('actions')
    op.drop_table('raid_counters')
