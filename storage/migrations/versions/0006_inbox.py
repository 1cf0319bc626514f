"""inbox: every Slack request that changes something is kept here before it is acked

A listener writes the request (raw payload, who, where, when, a unique key) before its ack; the
work after the ack marks it done in the same transaction as the change it makes, and a request
whose process died is taken over under a lease (storage/inbox.py).

Revision ID: 0006_inbox
Revises: 0005_project_digest
Create Date: 2026-12-04 14:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0006_inbox'
down_revision = '0005_project_digest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work', sa.String(length=64), nullable=False),
    sa.Column('request_key', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('response_url', sa.String(length=1024), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('received_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('request_key', name=op.f('uq_inbox_request_key'))
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_state_lease', ['state', 'lease_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_state_lease')
    op.drop_table('inbox')
