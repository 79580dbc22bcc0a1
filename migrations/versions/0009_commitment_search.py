"""commitment search: the register's word search key

Revision ID: 0009_commitment_search
Revises: 0008_outcomes
Create Date: 2026-12-06 22:40:00.000000

- commitment.search_text: the folded title, province as given and notes, so the
  organisers' register finds "ban dan hanbit" in "Nhà máy linh kiện bán dẫn Hanbit" with
  LIKE on both databases, as every other word search of the service does. Existing
  commitments get theirs here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op
from service.kit.folding import search_key

revision: str = '0009_commitment_search'
down_revision: str | None = '0008_outcomes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'search_text',
                sqlmodel.sql.sqltypes.AutoString(length=2000),
                server_default='',
                nullable=False,
            )
        )
    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, title, province_given, notes FROM commitment')).all()
    for commitment_id, title, province_given, notes in rows:
        bind.execute(
            sa.text('UPDATE commitment SET search_text = :text WHERE id = :id'),
            {'text': search_key(title, province_given, notes)[:2000], 'id': commitment_id},
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of the table would
    # lose its data_version triggers.
    op.execute('ALTER TABLE "commitment" DROP COLUMN search_text')
