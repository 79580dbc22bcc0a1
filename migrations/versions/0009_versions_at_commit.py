"""the data version and the report revisions raised at commit (PostgreSQL)

Revision ID: 0009_versions_at_commit
Revises: 0008_outcomes
Create Date: 2026-12-06 23:10:00.000000

Until now every writing transaction on PostgreSQL locked the single data_version row at
its first write (a BEFORE statement trigger, 0003) and its event's report_event_revision
row at its first write to a reported table (0008), and held both until it ended. Writers
therefore ran one at a time for their whole duration, across every worker process: with
200 participants accepting requests at once, each acceptance waited for all the Python
work of the ones before it, not just for their commits.

Both counters are now raised by DEFERRABLE INITIALLY DEFERRED row triggers, which
PostgreSQL runs when the transaction commits, once per transaction and counter row (a
row the transaction already wrote carries its id as xmin). The rows
are locked from then to the end of the commit only, so writers run side by side and
queue only for the instant of their commits. A reader still sees the counter and the
data it stands for change together (both are written by the same transaction), so the
caches' rule holds: read the version before the data, in the same or an earlier
statement. Inside a writing transaction the counters are not raised yet: nothing caches
what it reads there.

Deadlock-free by order: every commit-time trigger takes the data_version row first (the
revision trigger raises it before touching a revision row), so a transaction holding a
revision row always already holds data_version, and one holding data_version waits for
nothing but revision rows no one else can hold. TRUNCATE keeps a statement trigger that
raises the version at once (constraint triggers cannot fire on it).

A statement that changes no row no longer raises anything. SQLite is unchanged: its row
triggers raise the counters at once, and its writers run one at a time anyway.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_versions_at_commit"
down_revision: str | None = "0008_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table with a data_version trigger at 0008 (0003, 0004, 0005, 0006, 0007, 0008).
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
    "report_event_revision",
    "schedule_run",
    "sector",
)
# The job table raises it only for the columns a reader shows (0005).
JOB_EVENTS = (
    "INSERT OR DELETE OR UPDATE OF "
    "status, result, error, cancel_requested, attempts, worker, finished_at"
)
# Writes to these raise their event's report revision (0008).
REPORTED = ("participant", "meeting", "meeting_request", "meeting_attendance", "meeting_feedback")

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
RAISE_REVISION = """
CREATE OR REPLACE FUNCTION raise_report_event_revision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.event_id;
    ELSE
        changed := NEW.event_id;
    END IF;
    IF changed IS NULL OR EXISTS (
        SELECT 1 FROM report_event_revision
        WHERE event_id = changed AND xmin = pg_current_xact_id()::xid
    ) THEN
        RETURN NULL;
    END IF;
    -- The data version first, always: the one order of every commit's locks.
    PERFORM raise_data_version_once();
    INSERT INTO report_event_revision (event_id, revision) VALUES (changed, 1)
    ON CONFLICT (event_id) DO UPDATE SET revision = report_event_revision.revision + 1;
    RETURN NULL;
END $$
"""

# The definitions of 0003 and 0008, for the downgrade.
OLD_RAISE_VERSION = (
    "CREATE OR REPLACE FUNCTION raise_data_version() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
)
OLD_RAISE_REVISION = (
    "CREATE OR REPLACE FUNCTION raise_report_event_revision() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO report_event_revision (event_id, revision) "
    "SELECT DISTINCT event_id, 1 FROM changed WHERE event_id IS NOT NULL "
    "ON CONFLICT (event_id) DO UPDATE SET revision = report_event_revision.revision + 1"
    "; RETURN NULL; END $$"
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute(RAISE_ONCE)
    op.execute(RAISE_VERSION)
    op.execute(RAISE_REVISION)
    for table in (*TABLES, "job"):
        op.execute(f'DROP TRIGGER {table}_raises_data_version ON "{table}"')
        events = JOB_EVENTS if table == "job" else "INSERT OR UPDATE OR DELETE"
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_raises_data_version "
            f'AFTER {events} ON "{table}" DEFERRABLE INITIALLY DEFERRED '
            "FOR EACH ROW EXECUTE FUNCTION raise_data_version()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_truncate_raises_data_version "
            f'BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
    for table in REPORTED:
        for action in ("insert", "update", "delete"):
            op.execute(f'DROP TRIGGER {table}_{action}_raises_report_revision ON "{table}"')
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_raises_report_revision "
            f'AFTER INSERT OR UPDATE OR DELETE ON "{table}" DEFERRABLE INITIALLY DEFERRED '
            "FOR EACH ROW EXECUTE FUNCTION raise_report_event_revision()"
        )


def downgrade() -> None:
    if not _postgres():
        return
    for table in REPORTED:
        op.execute(f'DROP TRIGGER {table}_raises_report_revision ON "{table}"')
        for action, which in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_{action.lower()}_raises_report_revision "
                f'AFTER {action} ON "{table}" REFERENCING {which} TABLE AS changed '
                "FOR EACH STATEMENT EXECUTE FUNCTION raise_report_event_revision()"
            )
    for table in (*TABLES, "job"):
        op.execute(f'DROP TRIGGER {table}_truncate_raises_data_version ON "{table}"')
        op.execute(f'DROP TRIGGER {table}_raises_data_version ON "{table}"')
        events = (
            JOB_EVENTS.replace("DELETE OR", "DELETE OR TRUNCATE OR")
            if table == "job"
            else "INSERT OR UPDATE OR DELETE OR TRUNCATE"
        )
        op.execute(
            f'CREATE TRIGGER {table}_raises_data_version BEFORE {events} ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()"
        )
    op.execute(OLD_RAISE_REVISION)
    op.execute(OLD_RAISE_VERSION)
    op.execute("DROP FUNCTION raise_data_version_once()")
