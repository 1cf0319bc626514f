"""status cost: status_updates.actual_cost and estimate_at_completion

A status update may give the actual cost to date (AC, `/status KEY amber spent:150000 …`) and
the PM's estimate at completion (`eac:420000`), in `[pmo] currency`; the indicators (CPI, CV,
EAC, VAC, TCPI, the cost colour) read them. Existing rows get NULL: no cost was reported.

Revision ID: 0014_cost
Revises: 0013_plan
Create Date: 2026-12-04 17:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_cost'
down_revision = '0013_plan'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actual_cost', sa.Numeric(precision=18, scale=2),
                                      nullable=True))
        batch_op.add_column(sa.Column('estimate_at_completion',
                                      sa.Numeric(precision=18, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.drop_column('estimate_at_completion')
        batch_op.drop_column('actual_cost')
