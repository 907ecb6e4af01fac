"""Alembic environment: runs with the URL the hub hands it (see hub.db.migrate)."""

from alembic import context
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (registers the tables)
from hub.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # the hub holds a lock on this connection (hub.db.migrate)
        context.configure(connection=given, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
