"""Yes/no values as clients and CSV files write them."""

from __future__ import annotations

from exopool.errors import InvalidParameter

TRUE = frozenset(("true", "yes", "1"))
FALSE = frozenset(("false", "no", "0"))


def parse_flag(name: str, raw: str) -> bool:
    """true/false, yes/no or 1/0 in any case; anything else is a 400 naming the field."""
    lowered = raw.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InvalidParameter(name, f"must be true or false, not {raw!r}")
