"""data version counter raised by triggers on every table

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:09:32.651199

Every insert, update or delete in the tables below raises data_version.version in the
same transaction, so in-process caches can check with one read that nothing changed.

PostgreSQL: one BEFORE ... FOR EACH STATEMENT trigger per table. "Before" makes the
counter row the first lock a writing transaction takes, ahead of any row it writes, so
writers queue on it in one order and cannot deadlock through it. SQLite has row triggers
only; its writers are serialised anyway.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of the schema at this revision but data_version. A later migration that
# adds a table adds its triggers too (tests/test_migrations.py checks that none lacks one).
TABLES = (
    'event',
    'event_session',
    'former_province',
    'meeting',
    'meeting_request',
    'meeting_seat',
    'organization',
    'organizer_token',
    'pair_preference',
    'participant',
    'province',
    'sector',
)
BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'


def upgrade() -> None:
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute('INSERT INTO data_version (id, version) VALUES (1, 0)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION raise_data_version() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN {BUMP}; RETURN NULL; END $$'
        )
        for table in TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_raises_data_version '
                f'BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
            )
        return
    for table in TABLES:
        for action in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {table}_{action.lower()}_raises_data_version '
                f'AFTER {action} ON "{table}" BEGIN {BUMP}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP TRIGGER {table}_raises_data_version ON "{table}"')
        op.execute('DROP FUNCTION raise_data_version()')
    else:
        for table in TABLES:
            for action in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_{action}_raises_data_version')
    op.drop_table('data_version')
