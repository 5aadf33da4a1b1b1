"""episode ward: the ward the patient was last assigned to, for the coders' worklist filter

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:20:00

Additive only: a nullable column and its index. Episodes stored before this revision have no
ward until the PAS sends its next message for them (ADT^A08 or A03 fills it in).
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column needs no table rebuild on SQLite ('auto' batch mode alters in place)
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ward', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_episodes_ward'), ['ward'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_episodes_ward'))
        batch_op.drop_column('ward')
