"""casus_inzage: wie welke casus las, wanneer en waarlangs (nooit de inhoud)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "casus_inzage",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("casus", sa.Integer, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("wanneer", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_casus_inzage_casus", "casus_inzage", ["casus"])
    op.create_index("ix_casus_inzage_wanneer", "casus_inzage", ["wanneer"])


def downgrade():
    op.drop_table("casus_inzage")
