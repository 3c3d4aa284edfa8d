from alembic import context

from exopool.db.dialects import no_statement_timeout
from exopool.migrations import include_object
from exopool.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    no_statement_timeout(connection)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    context.run_migrations()
