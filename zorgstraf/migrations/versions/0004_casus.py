"""casus over tijd: sleutels, casussen, Actie-overleggen en de geschiedenis van afspraken;
kolommen voor de Werkset Indicatoren; het archief van regelsets en modellen voor replay

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "casus",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("samengevoegd_in", sa.Integer, nullable=True),  # merged into that casus by a shared key
        sa.Column("samengevoegd_op", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "casus_sleutel",
        sa.Column("sleutel", sa.String(64), primary_key=True),  # SHA-256 of the key: the key itself is never stored
        sa.Column("casus", sa.Integer, nullable=False, index=True),
    )
    with op.batch_alter_table("advies") as batch:
        batch.add_column(sa.Column("casus", sa.Integer, nullable=True))
        batch.add_column(sa.Column("bron", sa.String(20), nullable=True))
        batch.add_column(sa.Column("route", sa.String(12), nullable=True))
        batch.add_column(sa.Column("afstemming", sa.String(200), nullable=True))  # "|actie_overleg|vt_op_zsm|"
        batch.add_column(sa.Column("vt", sa.Boolean, nullable=True))  # reported to or by Veilig Thuis
        batch.add_column(sa.Column("kantoortijd", sa.Boolean, nullable=True))  # received on a working day 08:00-17:00
        batch.add_column(sa.Column("context_json", sa.Text, nullable=True))  # what the store supplied at triage (replay)
    op.create_index("ix_advies_casus_ontvangen", "advies", ["casus", "ontvangen_op"])
    _backfill()
    op.create_index("ix_advies_regio_ontvangen", "advies", ["regio", "ontvangen_op"])
    with op.batch_alter_table("afspraak") as batch:
        batch.add_column(sa.Column("casus", sa.Integer, nullable=True))
        batch.add_column(sa.Column("status", sa.String(12), nullable=False, server_default="open"))
        batch.add_column(sa.Column("gewijzigd_op", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE afspraak SET status = 'gedaan' WHERE gedaan")
    op.create_index("ix_afspraak_casus", "afspraak", ["casus"])
    op.create_table(
        "afspraak_historie",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("afspraak_id", sa.Integer, sa.ForeignKey("afspraak.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("actie", sa.String(12), nullable=False),  # gemaakt, gewijzigd, gedaan, ingetrokken
        sa.Column("wanneer", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wijziging", sa.Text, nullable=False),  # JSON: the fields before and after, and the reason
    )
    op.create_table(
        "overleg",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("regio", sa.String(40), nullable=False),
        sa.Column("datum", sa.Date, nullable=False),
        sa.Column("gesloten_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("regio", "datum", name="uq_overleg_regio_datum"),
    )
    op.create_table(
        "overleg_zaak",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("overleg_id", sa.Integer, sa.ForeignKey("overleg.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("melding_id", sa.String(64), nullable=False, index=True),
        sa.Column("casus", sa.Integer, nullable=True, index=True),
        sa.Column("partners", sa.String(300), nullable=False),  # invited: "|politie|om|"
        sa.UniqueConstraint("overleg_id", "melding_id", name="uq_overleg_zaak"),
    )
    op.create_table(
        "regelset_archief",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("naam", sa.String(80), nullable=False),
        sa.Column("versie", sa.String(40), nullable=False),
        sa.Column("inhoud", sa.Text, nullable=False),  # JSON {file name: text}: the exact rule files
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "model_archief",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("inhoud", sa.Text, nullable=False),  # the points table as JSON text
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
    )


def _backfill() -> None:
    """Advies stored before this revision get the indicator columns from their stored JSON, so the
    Werkset counts them too (once, in batches)."""
    import json
    from datetime import datetime, timezone

    from zorgstraf.beleid import office_hours

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, advies_json, melding_json, ontvangen_op FROM advies WHERE afstemming IS NULL")).fetchall()
    update = sa.text(
        "UPDATE advies SET bron = :bron, route = :route, afstemming = :afstemming, vt = :vt, kantoortijd = :kantoortijd WHERE id = :id"
    )
    batch = []
    for row_id, advies_json, melding_json, received in rows:
        advies, melding = json.loads(advies_json), json.loads(melding_json)
        moment = received if isinstance(received, datetime) else datetime.fromisoformat(str(received))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        bron = melding.get("bron", "politie")
        batch.append(
            {
                "id": row_id,
                "bron": bron,
                "route": advies["route"],
                "afstemming": "|" + "|".join(advies["afstemming"]) + "|",
                "vt": bron == "veilig_thuis" or "veilig_thuis" in advies["partners"],
                "kantoortijd": office_hours(moment),
            }
        )
        if len(batch) >= 5000:
            conn.execute(update, batch)
            batch = []
    if batch:
        conn.execute(update, batch)


def downgrade():
    for table in ("model_archief", "regelset_archief", "overleg_zaak", "overleg", "afspraak_historie"):
        op.drop_table(table)
    op.drop_index("ix_afspraak_casus", table_name="afspraak")
    with op.batch_alter_table("afspraak") as batch:
        for column in ("gewijzigd_op", "status", "casus"):
            batch.drop_column(column)
    op.drop_index("ix_advies_regio_ontvangen", table_name="advies")
    op.drop_index("ix_advies_casus_ontvangen", table_name="advies")
    with op.batch_alter_table("advies") as batch:
        for column in ("context_json", "kantoortijd", "vt", "afstemming", "route", "bron", "casus"):
            batch.drop_column(column)
    op.drop_table("casus_sleutel")
    op.drop_table("casus")
