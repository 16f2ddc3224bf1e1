"""Storage: SQLAlchemy 2 engine and sessions, the declarative Base, Alembic migrations.

SQLite is the embedded default, PostgreSQL the production database; both run the same
migrations and the same tests.
"""
