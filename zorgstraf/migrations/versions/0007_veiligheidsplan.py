"""veiligheidsplan per casus (seed 004): versies van het plan, beoordelingen op de veiligheidsschaal,
gebeurtenissen (THV, gedragsaanwijzing, geschonden voorwaarde, heenzending)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "veiligheidsplan_versie",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("casus", sa.Integer, nullable=False),
        sa.Column("versie", sa.Integer, nullable=False),
        sa.Column("inhoud", sa.Text, nullable=False),
        sa.Column("gewijzigd_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_veiligheidsplan_versie_casus", "veiligheidsplan_versie", ["casus"])
    op.create_table(
        "beoordeling",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("casus", sa.Integer, nullable=False),
        sa.Column("datum", sa.Date, nullable=False),
        sa.Column("schaal", sa.Integer, nullable=False),
        sa.Column("door", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_beoordeling_casus", "beoordeling", ["casus"])
    op.create_table(
        "casus_gebeurtenis",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("casus", sa.Integer, nullable=False),
        sa.Column("soort", sa.String(40), nullable=False),
        sa.Column("datum", sa.Date, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("vastgelegd_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_casus_gebeurtenis_casus", "casus_gebeurtenis", ["casus"])


def downgrade():
    op.drop_table("casus_gebeurtenis")
    op.drop_table("beoordeling")
    op.drop_table("veiligheidsplan_versie")
