"""Persistence: the one place that speaks SQL, through SQLAlchemy Core.

Start with :func:`open_store` (SQLite by default, any SQLAlchemy URL, e.g.
PostgreSQL, through ``WORKBENCH_DB``). :mod:`.schema` holds the tables,
:mod:`.migrations` the numbered schema steps, :mod:`.texts` the corpus
queries and :mod:`.labels` the label queries. Use ``store.write()`` for a
transaction that writes and ``store.read()`` for reading.
"""

from annotator.storage.engine import ENV_VAR, Store, open_store, resolve_url

__all__ = ["ENV_VAR", "Store", "open_store", "resolve_url"]
