"""verwijdering: elke bewaartermijnronde die adviezen verwijderde, met het aantal (auditspoor)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verwijdering",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("wanneer", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bewaartermijn_dagen", sa.Integer, nullable=False),
        sa.Column("aantal", sa.Integer, nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
    )
    op.create_index("ix_verwijdering_wanneer", "verwijdering", ["wanneer"])


def downgrade():
    op.drop_table("verwijdering")
