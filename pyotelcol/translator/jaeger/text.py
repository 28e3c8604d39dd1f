"""Strings that arrive as bytes that are not valid UTF-8."""

from __future__ import annotations


def text(value: str | bytes) -> str:
    """``value`` as text; bytes that are not UTF-8 become U+FFFD, one per bad byte as Go's
    encoders write them."""
    if isinstance(value, str):
        return value
    return value.decode("utf-8", errors="replace")
