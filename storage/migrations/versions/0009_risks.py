"""risk register: risks.duplicate_of_id, the risk a closed one duplicates

`/risk close KEY-R3 duplicate:KEY-R1` closes R3 and links it to R1; both cards show the link
(R1's card finds its duplicates through the index). Existing rows get NULL: no risk was
closed as a duplicate before.

Revision ID: 0009_risks
Revises: 0007_outbox_recovery
Create Date: 2026-12-04 16:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_risks'
down_revision = '0007_outbox_recovery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_risks_duplicate_of_id'), ['duplicate_of_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_risks_duplicate_of_id_risks'), 'risks',
                                    ['duplicate_of_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_risks_duplicate_of_id_risks'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_risks_duplicate_of_id'))
        batch_op.drop_column('duplicate_of_id')
