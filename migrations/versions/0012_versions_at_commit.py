"""the data version raised at commit (PostgreSQL)

Revision ID: 0012_versions_at_commit
Revises: 0011_bookkeeping_unversioned
Create Date: 2026-12-06 23:50:00.000000

Until now every writing transaction on PostgreSQL locked the single data_version row at
its first write (a BEFORE statement trigger, 0003) and held it until it ended. Writers
therefore ran one at a time for their whole duration, across every worker process: with
200 participants accepting requests at once, each acceptance waited for all the Python
work of the ones before it, not just for their commits.

The counter is now raised by DEFERRABLE INITIALLY DEFERRED row triggers, which
PostgreSQL runs when the transaction commits, once per transaction (a row the
transaction already wrote carries its id as xmin). The row is locked from then to the
end of the commit only, so writers run side by side and queue only for the instant of
their commits. A reader still sees the counter and the data it stands for change
together (both are written by the same transaction), so the caches' rule holds: read
the version before the data, in the same or an earlier statement. Inside a writing
transaction the counter is not raised yet: nothing caches what it reads there.
TRUNCATE keeps a statement trigger that raises the version at once (constraint
triggers cannot fire on it). The job table and the outbox's delivery updates stay
without it (0011).

A statement that changes no row no longer raises anything. SQLite is unchanged: its row
triggers raise the counters at once, and its writers run one at a time anyway.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_versions_at_commit"
down_revision: str | None = "0011_bookkeeping_unversioned"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table with a data_version statement trigger at 0011 (0003 to 0010), and the
# events it fires on there.
TABLES = (
    "check_in",
    "commitment",
    "commitment_organization",
    "commitment_review",
    "commitment_sector",
    "event",
    "event_session",
    "former_province",
    "interpreter_seat",
    "mailing",
    "meeting",
    "meeting_attendance",
    "meeting_feedback",
    "meeting_request",
    "meeting_seat",
    "notification_consent",
    "organization",
    "organizer_token",
    "outbox_message",
    "pair_preference",
    "participant",
    "province",
    "report_organization_key",
    "report_tally",
    "schedule_run",
    "sector",
)
# The outbox's delivery updates leave the version alone (0011).
EVENTS = {"outbox_message": "INSERT OR DELETE"}

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"

# A row this transaction already wrote carries its id as xmin: the counter is raised
# once per transaction, however many rows it wrote. (Inside a savepoint the id is the
# savepoint's, so with SET CONSTRAINTS ALL IMMEDIATE, as the tests' rolled-back
# transactions use, it is raised per statement instead: never less often.)
RAISE_ONCE = f"""
CREATE FUNCTION raise_data_version_once() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM data_version WHERE id = 1 AND xmin = pg_current_xact_id()::xid
    ) THEN
        {BUMP};
    END IF;
END $$
"""
RAISE_VERSION = """
CREATE OR REPLACE FUNCTION raise_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM raise_data_version_once();
    RETURN NULL;
END $$
"""

# The definition of 0003, for the downgrade.
OLD_RAISE_VERSION = (
    "CREATE OR REPLACE FUNCTION raise_data_version() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute(RAISE_ONCE)
    op.execute(RAISE_VERSION)
    for table in TABLES:
        op.execute(f'DROP TRIGGER {table}_raises_data_version ON "{table}"')
        events = EVENTS.get(table, "INSERT OR UPDATE OR DELETE")
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_raises_data_version "
            f'AFTER {events} ON "{table}" DEFERRABLE INITIALLY DEFERRED '
            "FOR EACH ROW EXECUTE FUNCTION raise_data_version()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_truncate_raises_data_version "
            f'BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )


def downgrade() -> None:
    if not _postgres():
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER {table}_truncate_raises_data_version ON "{table}"')
        op.execute(f'DROP TRIGGER {table}_raises_data_version ON "{table}"')
        events = EVENTS.get(table, "INSERT OR UPDATE OR DELETE") + " OR TRUNCATE"
        op.execute(
            f'CREATE TRIGGER {table}_raises_data_version BEFORE {events} ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()"
        )
    op.execute(OLD_RAISE_VERSION)
    op.execute("DROP FUNCTION raise_data_version_once()")
