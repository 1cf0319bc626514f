"""Partial indexes on status_updates, one per value a later update carries forward (percent
complete, actual cost, estimate at completion): (project_id, created_at, id) of the updates
that gave it. storage.plan_facts.latest_reported finds each project's newest given value on
them, so a project that never gave an estimate costs one empty look-up (issue 11's indicators
for 10,000 projects).

Revision ID: 0029_carried_indexes
Revises: 0027_people_needed
Create Date: 2026-12-05 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0029_carried_indexes'
down_revision = '0027_people_needed'
branch_labels = None
depends_on = None

CARRIED = ('percent_complete', 'actual_cost', 'estimate_at_completion')


def upgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        for name in CARRIED:
            where = sa.text(f'{name} IS NOT NULL')
            batch_op.create_index(f'ix_status_updates_{name}',
                                  ['project_id', 'created_at', 'id'],
                                  sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        for name in CARRIED:
            batch_op.drop_index(f'ix_status_updates_{name}')
