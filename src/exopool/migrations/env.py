from alembic import context

from exopool.migrations import include_object
from exopool.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if engine.dialect.name == "postgresql":
        # Building an index over a large pool takes longer than any request may.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    context.run_migrations()
