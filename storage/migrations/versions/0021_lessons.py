"""lessons: lessons learned, searched with each database's own full-text engine

`lessons` holds each lesson (global id L-1, L-2, …) and `body`, the text searched. SQLite gets
an FTS5 table with the trigram tokenizer (external content, kept by triggers in the writing
transaction); PostgreSQL gets pg_trgm (GIN trigram index on body, for substring search that
finds Chinese) and a GIN index on to_tsvector('simple', body) for ranking.

Revision ID: 0021_lessons
Revises: 0014_cost
Create Date: 2026-12-04 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.base

revision = '0021_lessons'
down_revision = '0015_changes'
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE lessons_fts USING fts5(body, content='lessons', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER lessons_fts_insert AFTER INSERT ON lessons BEGIN "
    "INSERT INTO lessons_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER lessons_fts_delete AFTER DELETE ON lessons BEGIN "
    "INSERT INTO lessons_fts(lessons_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER lessons_fts_update AFTER UPDATE OF body ON lessons BEGIN "
    "INSERT INTO lessons_fts(lessons_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO lessons_fts(rowid, body) VALUES (new.id, new.body); END",
)
_POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_lessons_body_trgm ON lessons USING gin (body gin_trgm_ops)",
    "CREATE INDEX ix_lessons_body_tsv ON lessons USING gin (to_tsvector('simple', body))",
)


def upgrade() -> None:
    op.create_table(
        'lessons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('happened', sa.Text(), nullable=False),
        sa.Column('learned', sa.Text(), nullable=False),
        sa.Column('recommendation', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=True),
        sa.Column('tags', sa.String(length=400), nullable=False),
        sa.Column('went', sa.String(length=10), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('not_useful', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_by', sa.String(length=32), nullable=False),
        sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("went IN ('well', 'badly')", name=op.f('ck_lessons_went')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_lessons_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons')),
    )
    op.create_index('ix_lessons_project', 'lessons', ['project_id', 'id'], unique=False)
    op.create_index('ix_lessons_category', 'lessons', ['category', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE if dialect == 'sqlite' else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('lessons_fts_insert', 'lessons_fts_delete', 'lessons_fts_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS lessons_fts")
    op.drop_index('ix_lessons_category', table_name='lessons')
    op.drop_index('ix_lessons_project', table_name='lessons')
    op.drop_table('lessons')
