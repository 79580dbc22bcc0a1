"""live booking: booking mode, proposed times, interpreter seats, participant search key

Revision ID: 0006_live_booking
Revises: 0004
Create Date: 2026-12-06 20:10:00.000000

- event.booking_mode: "organizer" (accepted requests wait for the scheduler) or "live"
  (accepting books the meeting at once);
- meeting_request.proposed_times (the sender's up to 3 slot starts) and unplaced_reason
  ({vi, en}: why a live-mode acceptance found no place);
- interpreter_seat: one row per interpreter a live meeting holds in its slot, seat_no in
  1..the session's declared pool, UNIQUE(session, slot, language, seat_no), so the
  database settles races for interpreters as it does for tables. Existing live meetings
  with an interpreter of a declared pool get their seats here;
- participant.search_text: the delegates' folded names, for the participants' word search.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op


revision: str = '0006_live_booking'
down_revision: str | None = '0005_jobs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'booking_mode',
                sa.Enum('organizer', 'live', name='bookingmode', native_enum=False, length=16),
                server_default='organizer',
                nullable=False,
            )
        )
    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_times', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('unplaced_reason', sa.JSON(), nullable=True))
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'search_text',
                sqlmodel.sql.sqltypes.AutoString(length=2000),
                server_default='',
                nullable=False,
            )
        )
    op.create_table('interpreter_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('active_slot', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('seat_no', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'active_slot', 'language', 'seat_no', name='uq_interpreter_seat')
    )
    with op.batch_alter_table('interpreter_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_seat_meeting_id'), ['meeting_id'], unique=False)

    # Like every table, its writes raise data_version (see 0003).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TRIGGER interpreter_seat_raises_data_version '
            'BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "interpreter_seat" '
            'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
    else:
        for action in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER interpreter_seat_{action.lower()}_raises_data_version '
                f'AFTER {action} ON "interpreter_seat" BEGIN '
                'UPDATE data_version SET version = version + 1 WHERE id = 1; END'
            )
    _seat_existing_meetings()


def _seat_existing_meetings() -> None:
    """Live meetings placed before this revision take their interpreters' seats, in id
    order, up to the session's declared pool (the scheduler kept within it)."""
    bind = op.get_bind()
    pools = {
        row.id: row.interpreters
        for row in bind.execute(sa.text('SELECT id, interpreters FROM event_session'))
    }
    rows = bind.execute(
        sa.text(
            'SELECT id, session_id, active_slot, interpreter_language FROM meeting '
            'WHERE active_slot IS NOT NULL AND interpreter_language IS NOT NULL ORDER BY id'
        )
    ).all()
    taken: dict[tuple[int, int, str], int] = {}
    for meeting_id, session_id, slot, language in rows:
        pool = pools.get(session_id) or {}
        if isinstance(pool, str):
            pool = json.loads(pool)
        if language not in pool:
            continue
        key = (session_id, slot, language)
        seat = taken.get(key, 0) + 1
        if seat > int(pool[language]):
            continue
        taken[key] = seat
        bind.execute(
            sa.text(
                'INSERT INTO interpreter_seat (meeting_id, session_id, active_slot, language, '
                'seat_no) VALUES (:m, :s, :slot, :lang, :seat)'
            ),
            {'m': meeting_id, 's': session_id, 'slot': slot, 'lang': language, 'seat': seat},
        )


def downgrade() -> None:
    # The triggers go with the table.
    with op.batch_alter_table('interpreter_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_seat_meeting_id'))
    op.drop_table('interpreter_seat')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of the table would
    # lose its data_version triggers.
    for table, column in (
        ('participant', 'search_text'),
        ('meeting_request', 'unplaced_reason'),
        ('meeting_request', 'proposed_times'),
        ('event', 'booking_mode'),
    ):
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')
