"""Use-cases: plain functions over a database connection and the pieces they need."""
