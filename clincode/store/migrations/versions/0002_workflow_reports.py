"""department workflow: data-quality flags, coding audits, report indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:20:00

Additive only: three new tables and two indexes the department reports group by.
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dq_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('check', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('fingerprint', sa.String(length=120), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_dq_flags_episode_id_episodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dq_flags')),
    sa.UniqueConstraint('episode_id', 'fingerprint', name='uq_dq_flags_episode_fingerprint')
    )
    with op.batch_alter_table('dq_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dq_flags_check'), ['check'], unique=False)
        batch_op.create_index(batch_op.f('ix_dq_flags_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dq_flags_status'), ['status'], unique=False)

    op.create_table('coding_audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_audits'))
    )
    op.create_table('coding_audit_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('coded_by', sa.String(length=64), nullable=True),
    sa.Column('coder_codes', sa.JSON(), nullable=False),
    sa.Column('engine_codes', sa.JSON(), nullable=False),
    sa.Column('auditor_codes', sa.JSON(), nullable=True),
    sa.Column('audited_by', sa.String(length=64), nullable=True),
    sa.Column('audited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_causes', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['audit_id'], ['coding_audits.id'], name=op.f('fk_coding_audit_items_audit_id_coding_audits')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_coding_audit_items_episode_id_episodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_audit_items')),
    sa.UniqueConstraint('audit_id', 'episode_id', name='uq_coding_audit_items_audit_episode')
    )
    with op.batch_alter_table('coding_audit_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_audit_items_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coding_audit_items_episode_id'), ['episode_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coding_audit_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_audit_items_episode_id'))
        batch_op.drop_index(batch_op.f('ix_coding_audit_items_audit_id'))
    op.drop_table('coding_audit_items')
    op.drop_table('coding_audits')
    with op.batch_alter_table('dq_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dq_flags_status'))
        batch_op.drop_index(batch_op.f('ix_dq_flags_episode_id'))
        batch_op.drop_index(batch_op.f('ix_dq_flags_check'))
    op.drop_table('dq_flags')
