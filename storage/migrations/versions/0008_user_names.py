"""user names: user_timezones.name, the person's name from the same users.info answer

Exports show a name beside each person's id from this cache, without calling Slack. Existing
rows get NULL (the next users.info look-up fills it).

Revision ID: 0008_user_names
Revises: 0007_outbox_recovery
Create Date: 2026-12-04 17:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_user_names'
down_revision = '0007_outbox_recovery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.drop_column('name')
