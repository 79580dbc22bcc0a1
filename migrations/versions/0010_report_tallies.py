"""report tallies: each edition's report figures kept by triggers

Revision ID: 0010_report_tallies
Revises: 0009_commitment_search
Create Date: 2026-12-06 23:10:00.000000

The reports used to count every edition's meetings, requests and feedback in grouped
queries, kept in the server process until a trigger raised the edition's
report_event_revision: a server just started, or the live edition after any write,
counted 25,000 meetings again (seconds). Now the figures themselves are kept:

- report_organization_key: an organisation's keys, one row per dimension ('total' with
  code '', 'province' under its current unit, 'country', one 'sector' row per VSIC code
  it lists; '' where it has none).
- report_tally: per event, dimension and code, the participants, requests, accepted,
  scheduled, held, no-shows and rating sum and count, raised and lowered by triggers in
  the writer's transaction.

A meeting, request, feedback row or participant adds, for each (dimension, code) that
one of its sides has, 1 (or the rating) to that row: counted once per code (a maximum
over the sides, then a sum), so a meeting between two firms of one province counts
once for it, and a no-show only for the codes of the absent sides. A change subtracts
the row's old contribution and adds its new one in one statement.

Deletes: a BEFORE DELETE trigger subtracts the row's contribution while the rows it
depends on are still visible, including what depends on it (a meeting takes its
attendance mark with it, a participant its requests, meetings and feedback). Rows
deleted by a cascade see their parent gone (SQLite and PostgreSQL alike) and so add
nothing; an event's tallies go with it (foreign key), and the delete triggers of its
rows return at once when the event is already gone. An organisation whose province,
country or sectors change, or a former province whose current unit changes, moves:
every contribution of its participants is subtracted with the stored keys, the keys
are rewritten, and the contributions added again.

PostgreSQL: inserts and updates are handled once per statement from transition tables
(a scheduler run writing thousands of meetings runs one grouped statement); deletes
row by row (BEFORE), as above. SQLite: row triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0010_report_tallies'
down_revision: str | None = '0009_commitment_search'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    'participants', 'requests', 'accepted', 'scheduled', 'held', 'no_show', 'rating_sum',
    'rating_count',
)
BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'
HELD = "CASE WHEN ma.attendance IN ('held', 'partial') THEN 1 ELSE 0 END"

# The columns a contribution reads, per table (SQLite rows are built from OLD / NEW).
COLUMNS = {
    'participant': ('id', 'event_id', 'organization_id'),
    'meeting_request': ('id', 'event_id', 'from_participant_id', 'to_participant_id', 'status'),
    'meeting': ('id', 'event_id', 'participant_a_id', 'participant_b_id', 'status'),
    'meeting_attendance': ('meeting_id', 'attendance', 'a_absent', 'b_absent'),
    'meeting_feedback': ('id', 'event_id', 'participant_id', 'rating'),
}
KEY_COLUMN = {'meeting_attendance': 'meeting_id'}
CHANGES = {  # an update of one of these changes the row's contribution
    'meeting_request': ('event_id', 'from_participant_id', 'to_participant_id', 'status'),
    'meeting': ('event_id', 'participant_a_id', 'participant_b_id', 'status'),
    'meeting_attendance': ('meeting_id', 'attendance', 'a_absent', 'b_absent'),
    'meeting_feedback': ('event_id', 'participant_id', 'rating'),
}


# ---------------------------------------------------------------- the contributions


def _values(**given: str) -> str:
    return ', '.join(f'{given.get(name, "0")} AS {name}' for name in FIGURES)


def _no_show(flag: str) -> str:
    return f"CASE WHEN ma.attendance = 'no_show' AND ma.{flag} THEN 1 ELSE 0 END"


def _participants(source: str, sign: int) -> list[str]:
    return [
        f'SELECT {sign} AS s, p.event_id AS ev, 1 AS kind, p.id AS item, p.id AS pid, '
        f"{_values(participants='1')} FROM {source} p JOIN event e ON e.id = p.event_id"
    ]


def _requests(source: str, sign: int) -> list[str]:
    accepted = "CASE WHEN r.status = 'accepted' THEN 1 ELSE 0 END"
    return [
        f'SELECT {sign} AS s, r.event_id AS ev, 2 AS kind, r.id AS item, r.{own} AS pid, '
        f"{_values(requests='1', accepted=accepted)} FROM {source} r "
        f'JOIN event e ON e.id = r.event_id JOIN participant q ON q.id = r.{other}'
        for own, other in (
            ('from_participant_id', 'to_participant_id'),
            ('to_participant_id', 'from_participant_id'),
        )
    ]


SIDES = (
    ('participant_a_id', 'participant_b_id', 'a_absent'),
    ('participant_b_id', 'participant_a_id', 'b_absent'),
)


def _meetings(source: str, sign: int) -> list[str]:
    """A live meeting with its attendance mark (so deleting or cancelling it takes the
    mark's figures too)."""
    return [
        f'SELECT {sign} AS s, m.event_id AS ev, 3 AS kind, m.id AS item, m.{own} AS pid, '
        f"{_values(scheduled='1', held=HELD, no_show=_no_show(flag))} FROM {source} m "
        f'JOIN event e ON e.id = m.event_id JOIN participant q ON q.id = m.{other} '
        f"LEFT JOIN meeting_attendance ma ON ma.meeting_id = m.id WHERE m.status = 'scheduled'"
        for own, other, flag in SIDES
    ]


def _attendance(source: str, sign: int) -> list[str]:
    return [
        f'SELECT {sign} AS s, m.event_id AS ev, 3 AS kind, m.id AS item, m.{own} AS pid, '
        f'{_values(held=HELD, no_show=_no_show(flag))} FROM {source} ma '
        f'JOIN meeting m ON m.id = ma.meeting_id JOIN event e ON e.id = m.event_id '
        f"JOIN participant q ON q.id = m.{other} WHERE m.status = 'scheduled'"
        for own, other, flag in SIDES
    ]


def _feedback(source: str, sign: int) -> list[str]:
    return [
        f'SELECT {sign} AS s, f.event_id AS ev, 4 AS kind, f.id AS item, '
        f"f.participant_id AS pid, {_values(rating_sum='f.rating', rating_count='1')} "
        f'FROM {source} f JOIN event e ON e.id = f.event_id'
    ]


SOURCES = {
    'participant': _participants,
    'meeting_request': _requests,
    'meeting': _meetings,
    'meeting_attendance': _attendance,
    'meeting_feedback': _feedback,
}


def _delta(sides: list[str], participants: str = 'participant') -> str:
    """One statement adding the sides' contributions to report_tally: per item and
    (dimension, code) the maximum over its sides, then the signed sum per code.
    ``participants`` is the relation the sides' organisations are read from."""
    maxima = ', '.join(f'max(x.{name}) AS {name}' for name in FIGURES)
    sums = ', '.join(f'sum(y.s * y.{name})' for name in FIGURES)
    updates = ', '.join(f'{name} = report_tally.{name} + excluded.{name}' for name in FIGURES)
    return (
        f'INSERT INTO report_tally (event_id, dimension, code, {", ".join(FIGURES)}) '
        f'SELECT y.ev, y.dimension, y.code, {sums} FROM ('
        f'SELECT x.s, x.ev, x.kind, x.item, k.dimension, k.code, {maxima} '
        f'FROM ({" UNION ALL ".join(sides)}) x '
        f'JOIN {participants} p ON p.id = x.pid '
        'JOIN report_organization_key k ON k.organization_id = p.organization_id '
        'GROUP BY x.s, x.ev, x.kind, x.item, k.dimension, k.code'
        ') y WHERE true GROUP BY y.ev, y.dimension, y.code '
        f'ON CONFLICT (event_id, dimension, code) DO UPDATE SET {updates}'
    )


def _either(table: str, one: str, other: str, ids: str) -> str:
    """The rows whose ``one`` or ``other`` is among ``ids``, as a union of two index
    lookups (PostgreSQL scans the whole table for ``one IN (...) OR other IN (...)``)."""
    return (
        f'(SELECT * FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {one} IN {ids} '
        f'UNION SELECT id FROM {table} WHERE {other} IN {ids}))'
    )


def _involving(participant_ids: str, sign: int) -> list[str]:
    """Every contribution that reads one of these participants."""
    ids = f'({participant_ids})'
    return (
        _participants(f'(SELECT * FROM participant WHERE id IN {ids})', sign)
        + _requests(_either('meeting_request', 'from_participant_id', 'to_participant_id', ids),
                    sign)
        + _meetings(_either('meeting', 'participant_a_id', 'participant_b_id', ids), sign)
        + _feedback(f'(SELECT * FROM meeting_feedback WHERE participant_id IN {ids})', sign)
    )


def _keys(organizations: str, postgres: bool) -> str:
    """The keys of the organisations whose ids ``organizations`` selects (one province:
    former_province does not make its codes unique)."""
    codes = (
        'CROSS JOIN LATERAL json_array_elements_text(o.sectors) AS j(value)'
        if postgres
        else ', json_each(o.sectors) AS j'
    )
    where = f'WHERE o.id IN ({organizations})'
    return (
        'INSERT INTO report_organization_key (organization_id, dimension, code) '
        f"SELECT o.id, 'total', '' FROM organization o {where} "
        "UNION ALL SELECT o.id, 'province', coalesce((SELECT min(fp.current_code) "
        "FROM former_province fp WHERE fp.code = o.province_code), o.province_code, '') "
        f'FROM organization o {where} '
        f"UNION ALL SELECT o.id, 'country', coalesce(o.country, '') FROM organization o {where} "
        f"UNION SELECT o.id, 'sector', j.value FROM organization o {codes} "
        f'{where} AND j.value IS NOT NULL'
    )


def _move(organizations: str, postgres: bool) -> list[str]:
    """Statements re-keying these organisations: their participants' contributions out
    under the stored keys, the keys rewritten, the contributions back in."""
    participants = f'SELECT id FROM participant WHERE organization_id IN ({organizations})'
    return [
        _delta(_involving(participants, -1)),
        f'DELETE FROM report_organization_key WHERE organization_id IN ({organizations})',
        _keys(organizations, postgres),
        _delta(_involving(participants, 1)),
    ]


def _sqlite_row(prefix: str, table: str) -> str:
    return '(SELECT ' + ', '.join(f'{prefix}.{c} AS {c}' for c in COLUMNS[table]) + ')'


def _changed(table: str, old: str, new: str) -> str:
    return ' OR '.join(f'{old}.{c} IS NOT {new}.{c}' for c in CHANGES[table])


# ---------------------------------------------------------------- the triggers

SQLITE_TRIGGERS: list[tuple[str, str]] = []  # (name, CREATE TRIGGER ...)
POSTGRES_FUNCTIONS: list[tuple[str, str]] = []  # (function name, body statements)
POSTGRES_TRIGGERS: list[tuple[str, str, str]] = []  # (name, table, CREATE TRIGGER ...)


def _sqlite(name: str, head: str, statements: list[str]) -> None:
    SQLITE_TRIGGERS.append((name, f'CREATE TRIGGER {name} {head} BEGIN ' + '; '.join(statements) + '; END'))


def _postgres(
    name: str, table: str, when: str, statements: list[str], returns: str = 'NULL',
    only_if: str | None = None,
) -> None:
    """``only_if``: a condition checked first, so an update that changes nothing the
    reports read (most of them: a meeting moved, a name corrected) costs one lookup."""
    body = '; '.join(statements)
    if only_if:
        body = f'IF {only_if} THEN {body}; END IF'
    POSTGRES_FUNCTIONS.append((name, f'{body}; RETURN {returns}'))
    POSTGRES_TRIGGERS.append((name, table, f'CREATE TRIGGER {name} {when} EXECUTE FUNCTION {name}()'))


EVENT_LEFT = 'EXISTS (SELECT 1 FROM event WHERE id = OLD.event_id)'


def _define() -> None:
    for table in ('meeting_request', 'meeting', 'meeting_attendance', 'meeting_feedback'):
        contribution = SOURCES[table]
        key = KEY_COLUMN.get(table, 'id')
        this = f'(SELECT * FROM {table} WHERE {key} = OLD.{key})'
        short = table.replace('meeting_', '')
        # inserts
        _sqlite(f'tally_{short}_insert', f'AFTER INSERT ON {table}',
                [_delta(contribution(_sqlite_row('NEW', table), 1))])
        _postgres(f'tally_{short}_insert', table,
                  f'AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT',
                  [_delta(contribution('new_rows', 1))])
        # updates that change the contribution
        columns = ', '.join(CHANGES[table])
        _sqlite(
            f'tally_{short}_update',
            f'AFTER UPDATE OF {columns} ON {table} WHEN {_changed(table, "OLD", "NEW")}',
            [_delta(contribution(_sqlite_row('OLD', table), -1)
                    + contribution(_sqlite_row('NEW', table), 1))],
        )
        same = ' AND '.join(f'n.{c} IS NOT DISTINCT FROM o.{c}' for c in CHANGES[table])
        before = (f'(SELECT * FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n '
                  f'WHERE n.{key} = o.{key} AND {same}))')
        after = (f'(SELECT * FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM old_rows o '
                 f'WHERE o.{key} = n.{key} AND {same}))')
        _postgres(
            f'tally_{short}_update', table,
            f'AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
            'FOR EACH STATEMENT',
            [_delta(contribution(before, -1) + contribution(after, 1))],
            only_if=f'EXISTS (SELECT 1 FROM {before} x) OR EXISTS (SELECT 1 FROM {after} x)',
        )
        # deletes, while what the row depends on is still there (an event's own
        # deletion takes its tallies: nothing to subtract then)
        _sqlite(f'tally_{short}_delete', f'BEFORE DELETE ON {table} WHEN {EVENT_LEFT}',
                [_delta(contribution(this, -1))])
        _postgres(f'tally_{short}_delete', table,
                  f'BEFORE DELETE ON {table} FOR EACH ROW',
                  [_delta(contribution(this, -1))], returns='OLD', only_if=EVENT_LEFT)

    # participants: registered, removed, or (never done by the app, kept right anyway)
    # moved to another organisation or event
    _sqlite('tally_participant_insert', 'AFTER INSERT ON participant',
            [_delta(_participants(_sqlite_row('NEW', 'participant'), 1))])
    _postgres('tally_participant_insert', 'participant',
              'AFTER INSERT ON participant REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT',
              [_delta(_participants('new_rows', 1))])
    _sqlite('tally_participant_delete', f'BEFORE DELETE ON participant WHEN {EVENT_LEFT}',
            [_delta(_involving('OLD.id', -1))])
    _postgres('tally_participant_delete', 'participant', 'BEFORE DELETE ON participant FOR EACH ROW',
              [_delta(_involving('OLD.id', -1))], returns='OLD', only_if=EVENT_LEFT)
    # Out under the old organisation (read from the old row), in under the new one.
    _sqlite(
        'tally_participant_update',
        'AFTER UPDATE OF organization_id, event_id ON participant '
        'WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.event_id IS NOT NEW.event_id',
        [
            _delta(
                _participants(_sqlite_row('OLD', 'participant'), -1)
                + _involving('OLD.id', -1)[1:],
                participants='(SELECT id, organization_id FROM participant WHERE id <> OLD.id '
                'UNION ALL SELECT OLD.id, OLD.organization_id)',
            ),
            _delta(_involving('NEW.id', 1)),
        ],
    )
    moved = ('SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id '
             'WHERE n.organization_id IS DISTINCT FROM o.organization_id '
             'OR n.event_id IS DISTINCT FROM o.event_id')
    _postgres(
        'tally_participant_update', 'participant',
        'AFTER UPDATE ON participant REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
        'FOR EACH STATEMENT',
        [
            _delta(
                _participants(f'(SELECT * FROM old_rows WHERE id IN ({moved}))', -1)
                + _involving(moved, -1)[1:],
                participants='(SELECT id, organization_id FROM participant WHERE id NOT IN '
                '(SELECT id FROM old_rows) UNION ALL SELECT id, organization_id FROM old_rows)',
            ),
            _delta(_involving(moved, 1)),
        ],
        only_if=f'EXISTS ({moved})',
    )

    # organisations: their keys, moved when the province, country or sectors change
    _sqlite('tally_organization_insert', 'AFTER INSERT ON organization', [_keys('NEW.id', False)])
    _postgres('tally_organization_insert', 'organization',
              'AFTER INSERT ON organization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT',
              [_keys('SELECT id FROM new_rows', True)])
    _sqlite(
        'tally_organization_update',
        'AFTER UPDATE OF province_code, country, sectors ON organization WHEN '
        'OLD.province_code IS NOT NEW.province_code OR OLD.country IS NOT NEW.country '
        'OR OLD.sectors IS NOT NEW.sectors',
        _move('NEW.id', False),
    )
    changed = ('SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id '
               'WHERE n.province_code IS DISTINCT FROM o.province_code '
               'OR n.country IS DISTINCT FROM o.country '
               'OR n.sectors::text IS DISTINCT FROM o.sectors::text')
    _postgres('tally_organization_update', 'organization',
              'AFTER UPDATE ON organization REFERENCING OLD TABLE AS old_rows NEW TABLE AS '
              'new_rows FOR EACH STATEMENT',
              _move(changed, True), only_if=f'EXISTS ({changed})')

    # former provinces: the organisations registered under one are reported elsewhere
    for action, rows, codes in (
        ('insert', 'NEW TABLE AS new_rows', 'SELECT code FROM new_rows'),
        ('update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
         'SELECT code FROM old_rows UNION SELECT code FROM new_rows'),
        ('delete', 'OLD TABLE AS old_rows', 'SELECT code FROM old_rows'),
    ):
        row_codes = {'insert': 'NEW.code', 'update': 'OLD.code, NEW.code', 'delete': 'OLD.code'}
        _sqlite(f'tally_former_province_{action}', f'AFTER {action.upper()} ON former_province',
                _move(f'SELECT id FROM organization WHERE province_code IN ({row_codes[action]})',
                      False))
        _postgres(f'tally_former_province_{action}', 'former_province',
                  f'AFTER {action.upper()} ON former_province REFERENCING {rows} '
                  'FOR EACH STATEMENT',
                  _move(f'SELECT id FROM organization WHERE province_code IN ({codes})', True))


_define()


def _backfill(postgres: bool) -> list[str]:
    return [
        _keys('SELECT id FROM organization', postgres),
        _delta(_participants('participant', 1)),
        _delta(_requests('meeting_request', 1)),
        _delta(_meetings('meeting', 1)),
        _delta(_feedback('meeting_feedback', 1)),
    ]


# ---------------------------------------------------------------- what 0008 had


REPORTED = ('participant', 'meeting', 'meeting_request', 'meeting_attendance', 'meeting_feedback')
REVISE = (
    'INSERT INTO report_event_revision (event_id, revision) {rows} '
    'ON CONFLICT (event_id) DO UPDATE SET revision = report_event_revision.revision + 1'
)
JOIN_INDEXES = (  # covering indexes for the grouped counts the tallies replace
    ('ix_report_participant_keys', 'participant', ['id', 'event_id', 'organization_id']),
    ('ix_report_organization_keys', 'organization', ['id', 'province_code', 'country']),
    ('ix_report_former_province_current', 'former_province', ['code', 'current_code']),
)


def _drop_revisions(postgres: bool) -> None:
    for table in REPORTED:
        for action in ('insert', 'update', 'delete'):
            name = f'{table}_{action}_raises_report_revision'
            op.execute(f'DROP TRIGGER {name} ON "{table}"' if postgres else f'DROP TRIGGER {name}')
    if postgres:
        op.execute('DROP FUNCTION raise_report_event_revision()')
    op.drop_table('report_event_revision')
    for name, table, _ in JOIN_INDEXES:
        op.drop_index(name, table_name=table)


def _restore_revisions(postgres: bool) -> None:
    op.create_table('report_event_revision',
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    _raise_data_version('report_event_revision', postgres)
    for name, table, columns in JOIN_INDEXES:
        op.create_index(name, table, columns)
    if postgres:
        op.execute(
            'CREATE FUNCTION raise_report_event_revision() RETURNS trigger LANGUAGE plpgsql AS '
            '$$ BEGIN '
            + REVISE.format(rows='SELECT DISTINCT event_id, 1 FROM changed WHERE event_id IS NOT NULL')
            + '; RETURN NULL; END $$'
        )
    for table in REPORTED:
        for action, which in (('INSERT', 'NEW'), ('UPDATE', 'NEW'), ('DELETE', 'OLD')):
            name = f'{table}_{action.lower()}_raises_report_revision'
            if postgres:
                op.execute(
                    f'CREATE TRIGGER {name} AFTER {action} ON "{table}" REFERENCING {which} '
                    'TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION raise_report_event_revision()'
                )
            else:
                op.execute(
                    f'CREATE TRIGGER {name} AFTER {action} ON "{table}" BEGIN '
                    + REVISE.format(rows=f'VALUES ({which}.event_id, 1)')
                    + '; END'
                )
    op.execute('INSERT INTO report_event_revision (event_id, revision) SELECT id, 1 FROM event')


def _raise_data_version(table: str, postgres: bool) -> None:
    if postgres:
        op.execute(
            f'CREATE TRIGGER {table}_raises_data_version '
            f'BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            'FOR EACH STATEMENT EXECUTE FUNCTION raise_data_version()'
        )
        return
    for action in ('INSERT', 'UPDATE', 'DELETE'):
        op.execute(
            f'CREATE TRIGGER {table}_{action.lower()}_raises_data_version '
            f'AFTER {action} ON "{table}" BEGIN {BUMP}; END'
        )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    _drop_revisions(postgres)
    op.create_table('report_organization_key',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'dimension', 'code')
    )
    op.create_table('report_tally',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('scheduled', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('no_show', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.BigInteger(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'dimension', 'code')
    )
    for table in ('report_organization_key', 'report_tally'):
        _raise_data_version(table, postgres)
    for statement in _backfill(postgres):
        op.execute(statement)
    if postgres:
        for name, body in POSTGRES_FUNCTIONS:
            op.execute(
                f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; END $$'
            )
        for _, _, create in POSTGRES_TRIGGERS:
            op.execute(create)
    else:
        for _, create in SQLITE_TRIGGERS:
            op.execute(create)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        for name, table, _ in POSTGRES_TRIGGERS:
            op.execute(f'DROP TRIGGER {name} ON "{table}"')
        for name, _ in POSTGRES_FUNCTIONS:
            op.execute(f'DROP FUNCTION {name}()')
    else:
        for name, _ in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER {name}')
    op.drop_table('report_tally')
    op.drop_table('report_organization_key')
    _restore_revisions(postgres)
