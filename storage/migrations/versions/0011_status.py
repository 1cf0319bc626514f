"""status carried: status_updates.carried

A one-liner (`/status KEY amber summary…`) that does not set the dimension ratings or the percent
complete carries them over from the project's previous update; `carried` names them
(comma-separated, e.g. `schedule,percent_complete`) so the card can say so. Existing rows get
NULL: nothing was carried.

Revision ID: 0011_status
Revises: 0012_directory
Create Date: 2026-12-04 16:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_status'
down_revision = '0012_directory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.drop_column('carried')
