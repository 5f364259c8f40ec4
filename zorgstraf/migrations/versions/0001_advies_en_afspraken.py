"""advies (audit trail) en afspraken (Actie-overleg)

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "advies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("melding_id", sa.String(64), nullable=False, index=True),
        sa.Column("regio", sa.String(40), nullable=False, index=True),
        sa.Column("regelset_naam", sa.String(80), nullable=False),
        sa.Column("regelset_hash", sa.String(64), nullable=False),
        sa.Column("model_hash", sa.String(64), nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("ontvangen_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("urgentie", sa.String(10), nullable=False),
        sa.Column("agenderen", sa.Boolean, nullable=False, index=True),
        sa.Column("volgend_actie_overleg", sa.Date, nullable=True, index=True),
        sa.Column("advies_json", sa.Text, nullable=False),
        sa.Column("melding_json", sa.Text, nullable=False),
    )
    op.create_table(
        "afspraak",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("melding_id", sa.String(64), nullable=False, index=True),
        sa.Column("regio", sa.String(40), nullable=False, index=True),
        sa.Column("wie", sa.String(80), nullable=False),
        sa.Column("wat", sa.Text, nullable=False),
        sa.Column("uiterlijk", sa.Date, nullable=True),
        sa.Column("overleg_datum", sa.Date, nullable=False, index=True),
        sa.Column("gedaan", sa.Boolean, nullable=False, index=True),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gedaan_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_id", sa.String(32), nullable=False),
    )


def downgrade():
    op.drop_table("afspraak")
    op.drop_table("advies")
