"""Database adapter: SQLAlchemy Core tables, queries per area, Alembic migrations.

SQLite by default (WAL, synchronous=FULL: an acknowledged write is on disk), PostgreSQL by URL.
Every table that holds a pharmacy's data carries ``pharmacy_id``.
"""
