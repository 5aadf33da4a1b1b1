"""report indexes: partial covering indexes on episode codes for the department statistics

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:50:00

Additive only. The statistics report reads every episode's final codes and counts its proposed
ones; with these the database answers both from the index alone.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    final = sa.text("stage = 'final'")
    proposed = sa.text("stage = 'proposed'")
    with op.batch_alter_table('episode_codes', schema=None) as batch_op:
        batch_op.create_index('ix_episode_codes_final_facts', ['episode_id', 'system', 'position', 'source', 'code'],
                              unique=False, postgresql_where=final, sqlite_where=final)
        batch_op.create_index('ix_episode_codes_proposed', ['episode_id'], unique=False,
                              postgresql_where=proposed, sqlite_where=proposed)


def downgrade() -> None:
    with op.batch_alter_table('episode_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_episode_codes_proposed')
        batch_op.drop_index('ix_episode_codes_final_facts')
