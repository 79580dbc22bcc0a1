"""bookkeeping writes leave the data version alone: jobs, and the outbox's delivery

The data version (0003) tells the in-memory agenda and feed caches that something they
show may have changed. Two tables are written all day long without changing anything a
cache shows:

- ``job``: every job's row is inserted, claimed, renewed, finished, and a periodic job
  (mail delivery, every few seconds) makes a new row each time. No cache reads it, and
  a job's own effects (the meetings a schedule stores) raise the version through their
  own tables. Its triggers go.
- ``outbox_message``: delivery claims messages, renews leases and marks each message
  sent, one UPDATE at a time; on PostgreSQL a statement trigger fires even when the
  claim found nothing, so an idle delivery loop raised the version every few seconds.
  Its UPDATE trigger goes; inserts and deletes (written with the changes that cause
  them) still raise it.

Revision ID: 0011_bookkeeping_unversioned
Revises: 0010_report_tallies
Create Date: 2026-12-06 23:30:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0011_bookkeeping_unversioned'
down_revision: str | None = '0010_report_tallies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'
# The columns whose updates raised the version on the job table (0005).
JOB_WATCHED = 'status, result, error, cancel_requested, attempts, worker, finished_at'


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    if _postgresql():
        op.execute('DROP TRIGGER job_raises_data_version ON "job"')
        op.execute('DROP TRIGGER outbox_message_raises_data_version ON "outbox_message"')
        op.execute(
            'CREATE TRIGGER outbox_message_raises_data_version '
            'BEFORE INSERT OR DELETE OR TRUNCATE ON "outbox_message" '
            'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
        return
    for name in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER job_{name}_raises_data_version')
    op.execute('DROP TRIGGER outbox_message_update_raises_data_version')


def downgrade() -> None:
    if _postgresql():
        op.execute(
            'CREATE TRIGGER job_raises_data_version '
            f'BEFORE INSERT OR DELETE OR TRUNCATE OR UPDATE OF {JOB_WATCHED} ON "job" '
            'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
        op.execute('DROP TRIGGER outbox_message_raises_data_version ON "outbox_message"')
        op.execute(
            'CREATE TRIGGER outbox_message_raises_data_version '
            'BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "outbox_message" '
            'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
        return
    for action in ('INSERT', 'DELETE', f'UPDATE OF {JOB_WATCHED}'):
        name = action.split()[0].lower()
        op.execute(
            f'CREATE TRIGGER job_{name}_raises_data_version '
            f'AFTER {action} ON "job" BEGIN {BUMP}; END'
        )
    op.execute(
        'CREATE TRIGGER outbox_message_update_raises_data_version '
        f'AFTER UPDATE ON "outbox_message" BEGIN {BUMP}; END'
    )
