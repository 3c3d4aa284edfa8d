"""HTTP Basic credentials, read the one way authentication and the sandbox journal both read them."""

from __future__ import annotations

import binascii


def basic_credentials(header: str) -> tuple[str, str]:
    """The user name and password of a Basic Authorization header; both empty unless it holds both."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "", ""
    try:  # strict base64, in C; non-ASCII characters, bad base64 and bad UTF-8 all raise a ValueError
        decoded = binascii.a2b_base64(encoded.strip().encode("ascii"), strict_mode=True).decode("utf-8")
    except ValueError:
        return "", ""
    key, sep, token = decoded.partition(":")
    if not sep or "\x00" in decoded:  # no key holds a NUL, and PostgreSQL refuses one in a statement
        return "", ""
    return key, token


def bearer_token(header: str) -> str:
    """The token of a Bearer Authorization header; empty for any other header."""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
