"""besluit: de beslissing van de professional naast het advies (het advies blijft zoals gegeven)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "besluit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("melding_id", sa.String(64), nullable=False, index=True),
        sa.Column("advies_id", sa.Integer, sa.ForeignKey("advies.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("volgt_advies", sa.Boolean, nullable=False),
        sa.Column("urgentie", sa.String(10), nullable=True),
        sa.Column("wat", sa.Text, nullable=False),
        sa.Column("waarom", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("genomen_op", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("besluit")
