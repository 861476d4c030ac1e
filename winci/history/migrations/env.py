"""Alembic environment for winci's history database.

winci runs the migrations itself (:func:`winci.history.db.open_history`) and hands
its open connection over in ``config.attributes["connection"]``; there is no
alembic.ini. To write a new revision from a checkout::

    python -m winci.history.db revision "what changed"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from winci.history.models import Base

config = context.config
target_metadata = Base.metadata


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.attributes["url"], poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.attributes["url"], target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
