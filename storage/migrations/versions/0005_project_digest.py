"""project digest: projects.digest, whether a project's own weekly digest goes to its channel

Existing projects get false (the server default), so nothing new is posted until a PMO admin
turns a project's digest on with `/pmo project KEY digest on`.

Revision ID: 0005_project_digest
Revises: 0004_scheduler
Create Date: 2026-11-28 10:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_project_digest'
down_revision = '0004_scheduler'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('digest')
