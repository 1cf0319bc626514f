"""directory: user_timezones.standing and user_timezones.name

The cached users.info answer per person is no longer only a time zone: `standing` says whether
the id is a person who can be an owner, PM or approver ('person'), a bot ('bot'), a deactivated
account ('deactivated') or unknown to Slack ('unknown'); `name` is their real name (for exports
and lists). Existing rows get NULL in both: unchecked, looked up again when next needed.

Revision ID: 0012_directory
Revises: 0007_outbox_recovery
Create Date: 2026-12-04 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_directory'
down_revision = '0009_risks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standing', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.drop_column('name')
        batch_op.drop_column('standing')
