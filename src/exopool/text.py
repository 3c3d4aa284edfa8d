"""Text a caller sends, checked before a database stores it."""

from __future__ import annotations

from exopool.errors import InvalidParameter


def storable_text(name: str, value: str) -> str:
    """value, if a database keeps it as given: no NUL (PostgreSQL refuses one), nothing UTF-8 cannot
    carry (a lone surrogate, which a JSON \\ud800 escape can bring)."""
    if "\x00" in value:
        raise InvalidParameter(name, "contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidParameter(name, "is not valid Unicode text") from error
    return value


def is_storable(value: str) -> bool:
    """Whether storable_text would keep value: for a look-up, where text that cannot be stored matches nothing."""
    try:
        storable_text("value", value)
    except InvalidParameter:
        return False
    return True


def bounded_text(name: str, value: str, most: int) -> str:
    """value, storable (above) and at most `most` characters: the column's own length, which
    PostgreSQL enforces and SQLite does not, so both engines refuse the same text."""
    if len(storable_text(name, value)) > most:
        raise InvalidParameter(name, f"must be at most {most} characters")
    return value
