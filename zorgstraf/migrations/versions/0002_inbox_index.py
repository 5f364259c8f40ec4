"""index op advies.ontvangen_op voor de inbox van het dashboard

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_advies_ontvangen_op", "advies", ["ontvangen_op"])


def downgrade():
    op.drop_index("ix_advies_ontvangen_op", table_name="advies")
