"""indexes that keep listing and searching fast with a million numbers

Revision ID: 0003
Revises: 0001

The search indexes order candidates by number inside (cluster, country, type[, region]), so a
page of results is an index range read. Substring search gets a trigram index: pg_trgm GIN on
PostgreSQL, an FTS5 trigram table kept in sync by triggers on SQLite. Those objects are not in
the models (they are engine-specific); env.py's include_object keeps autogenerate off them.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE phone_numbers_digits USING fts5("
    "phone_number, content='phone_numbers', content_rowid='id', tokenize='trigram')",
    "INSERT INTO phone_numbers_digits(rowid, phone_number) SELECT id, phone_number FROM phone_numbers",
    "CREATE TRIGGER phone_numbers_digits_insert AFTER INSERT ON phone_numbers BEGIN "
    "INSERT INTO phone_numbers_digits(rowid, phone_number) VALUES (new.id, new.phone_number); END",
    "CREATE TRIGGER phone_numbers_digits_delete AFTER DELETE ON phone_numbers BEGIN "
    "INSERT INTO phone_numbers_digits(phone_numbers_digits, rowid, phone_number) "
    "VALUES ('delete', old.id, old.phone_number); END",
    "CREATE TRIGGER phone_numbers_digits_update AFTER UPDATE OF phone_number ON phone_numbers BEGIN "
    "INSERT INTO phone_numbers_digits(phone_numbers_digits, rowid, phone_number) "
    "VALUES ('delete', old.id, old.phone_number); "
    "INSERT INTO phone_numbers_digits(rowid, phone_number) VALUES (new.id, new.phone_number); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS phone_numbers_digits_update",
    "DROP TRIGGER IF EXISTS phone_numbers_digits_delete",
    "DROP TRIGGER IF EXISTS phone_numbers_digits_insert",
    "DROP TABLE IF EXISTS phone_numbers_digits",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # On an expression, not the column: a trigram index on the column also answers `=` and `IN`,
    # and the planner may pick it over the unique btree for them (it did, for bulk imports).
    "CREATE INDEX ix_phone_numbers_digits_trgm ON phone_numbers "
    "USING gin ((translate(phone_number, '+', '')) gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_phone_numbers_digits_trgm"]


def upgrade() -> None:
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_numbers_owner_listing")
        batch_op.create_index("ix_phone_numbers_owner_listing",
                              ["account_id", "state", "date_created", "sid", "id"], unique=False)
        batch_op.create_index("ix_phone_numbers_by_number",
                              ["cluster", "country", "number_type", "phone_number"], unique=False)
        batch_op.create_index("ix_phone_numbers_by_region",
                              ["cluster", "country", "number_type", "region", "phone_number"], unique=False)
    for statement in _engine_specific(SQLITE_UP, POSTGRES_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _engine_specific(SQLITE_DOWN, POSTGRES_DOWN):
        op.execute(statement)
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_numbers_by_region")
        batch_op.drop_index("ix_phone_numbers_by_number")
        batch_op.drop_index("ix_phone_numbers_owner_listing")
        batch_op.create_index("ix_phone_numbers_owner_listing", ["account_id", "date_created", "sid"], unique=False)


def _engine_specific(sqlite: list[str], postgres: list[str]) -> list[str]:
    name = op.get_bind().dialect.name
    return {"sqlite": sqlite, "postgresql": postgres}.get(name, [])
