"""The database seam: the engine, units of work and their transactions, group commit, prepared
statements, WAL checkpoints, and every statement that differs by engine (`dialects`)."""

from exopool.db.database import Database
from exopool.db.statements import Prepared, execute, execute_many, first, one, ping, rows, scalar, scalars
from exopool.db.units import after_commit, notify, transaction_memo

__all__ = ["Database", "Prepared", "after_commit", "execute", "execute_many", "first", "notify", "one", "ping", "rows",
           "scalar", "scalars", "transaction_memo"]
