"""access: who may see what (issue 15) — a person's kind (member, guest, external) in the
users.info cache, a project's `confidential` flag, and the members of the channels whose
membership decides what someone may see (refreshed briefly: `[access] members_minutes`).

Revision ID: 0025_access
Revises: 0023_allocations
Create Date: 2026-12-04 22:10:00
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0025_access'
down_revision = '0023_allocations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table('channel_members',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('channel_id', 'user_id', name=op.f('pk_channel_members'))
    )
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.create_index('ix_channel_members_user_id', ['user_id', 'channel_id'],
                              unique=False)
    op.create_table('channel_syncs',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('fetched_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_channel_syncs'))
    )


def downgrade() -> None:
    op.drop_table('channel_syncs')
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.drop_index('ix_channel_members_user_id')
    op.drop_table('channel_members')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('confidential')
    with op.batch_alter_table('user_timezones', schema=None) as batch_op:
        batch_op.drop_column('kind')
