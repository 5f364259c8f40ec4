"""Alembic environment: the URL comes from the caller (storage.migrate), never from a file."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from zorgstraf.storage import Base

config = context.config
target_metadata = Base.metadata

given = config.attributes.get("connection")  # storage.migrate passes one holding the migration lock
if given is not None:
    context.configure(connection=given, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
