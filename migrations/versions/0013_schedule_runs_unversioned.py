"""the record of scheduler runs leaves the data version alone

Revision ID: 0013_schedule_runs_unversioned
Revises: 0012_versions_at_commit
Create Date: 2026-12-07 02:30:00.000000

Every scheduler run, a preview (dry run) included, stores its report in ``schedule_run``
and prunes the older ones. That write raised the data version, which every cached
agenda and calendar feed checks (service/changes/service.py): an organiser's preview,
which changes no meeting, made every phone's next poll re-check its agenda. Measured on
a 5,000-participant day with 300 agenda and feed requests a second, the minutes after
a preview ended had a median latency of 0.1-0.5 s instead of 3-4 ms. No cached answer
reads ``schedule_run`` (the dashboard reads the last run per request), so, like the job
table (0011), it no longer raises the version. A run that stores a schedule still raises
it through the meetings it writes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_schedule_runs_unversioned"
down_revision: str | None = "0012_versions_at_commit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
ACTIONS = ("INSERT", "UPDATE", "DELETE")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute('DROP TRIGGER schedule_run_raises_data_version ON "schedule_run"')
        op.execute('DROP TRIGGER schedule_run_truncate_raises_data_version ON "schedule_run"')
        return
    for action in ACTIONS:
        op.execute(f"DROP TRIGGER schedule_run_{action.lower()}_raises_data_version")


def downgrade() -> None:
    if _postgres():
        # As 0012 left them.
        op.execute(
            "CREATE CONSTRAINT TRIGGER schedule_run_raises_data_version "
            'AFTER INSERT OR UPDATE OR DELETE ON "schedule_run" DEFERRABLE INITIALLY DEFERRED '
            "FOR EACH ROW EXECUTE FUNCTION raise_data_version()"
        )
        op.execute(
            "CREATE TRIGGER schedule_run_truncate_raises_data_version "
            'BEFORE TRUNCATE ON "schedule_run" FOR EACH STATEMENT '
            "EXECUTE FUNCTION raise_data_version()"
        )
        return
    for action in ACTIONS:
        op.execute(
            f"CREATE TRIGGER schedule_run_{action.lower()}_raises_data_version "
            f'AFTER {action} ON "schedule_run" BEGIN {BUMP}; END'
        )
