"""outbox recovery: deliveries.claimed_at and deliveries.in_doubt_since

`claimed_at` is when the sender holding a row claimed it (cleared when it writes the outcome),
so a row whose sender died still says when that sender started; the next claim copies it into
`in_doubt_since`: from then on the message may already be in Slack, and the next sender looks
for it (its metadata carries the delivery id) before posting again. Existing rows get NULL in
both: nothing is in doubt.

Revision ID: 0007_outbox_recovery
Revises: 0006_inbox
Create Date: 2026-12-04 14:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0007_outbox_recovery'
down_revision = '0006_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', storage.base.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('in_doubt_since', storage.base.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('in_doubt_since')
        batch_op.drop_column('claimed_at')
