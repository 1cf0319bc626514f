"""proposals.needs: a proposal's people needed, structured (issue 13) — a list of entries
{"user": U123, "percent": 50} or {"role": "developer", "percent": 200} (percent absent: a role
whose size was not said). NULL on proposals submitted before: their `people` text stays as typed
and is shown unchecked.

Revision ID: 0027_people_needed
Revises: 0025_access
Create Date: 2026-12-04 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0027_people_needed'
down_revision = '0025_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('needs')
