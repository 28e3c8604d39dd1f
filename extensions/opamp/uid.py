"""Instance UIDs: UUIDv7 generation and the two textual forms Go's extension accepts."""

from __future__ import annotations

import os
import re
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_CANONICAL = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def new_uuid7() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, random rest."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a: 12 bits
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)  # rand_b: 62 bits
    return uuid.UUID(int=value)


def parse_go_uuid(text: str) -> uuid.UUID:
    """google/uuid.Parse, with its error texts."""
    body = text
    if len(body) == 45 and body[:9].lower() == "urn:uuid:":
        body = body[9:]
    elif len(body) == 38 and body[0] == "{" and body[-1] == "}":
        body = body[1:-1]
    elif len(body) not in (36, 32):
        raise ValueError(f"invalid UUID length: {len(text)}")
    if _CANONICAL.match(body) or _HEX32.match(body):
        return uuid.UUID(body.replace("-", ""))
    raise ValueError("invalid UUID format")


def parse_instance_uid(text: str) -> uuid.UUID:
    """Go's parseInstanceIDString: a UUID in any form google/uuid.Parse takes (canonical,
    ``urn:uuid:``, braces, 32 hex digits), else a 26-character ULID. ValueError otherwise."""
    try:
        return parse_go_uuid(text)
    except ValueError:
        return uuid.UUID(bytes=_parse_ulid(text))


def _parse_ulid(text: str) -> bytes:
    if len(text) != 26:
        raise ValueError(f"invalid instance uid {text!r}")
    if text[0] > "7":  # the first character carries 3 bits only
        raise ValueError(f"instance uid {text!r} overflows 128 bits")
    value = 0
    for char in text.upper():
        digit = _CROCKFORD.find(char)
        if digit < 0:
            raise ValueError(f"invalid ULID character {char!r}")
        value = value * 32 + digit
    return value.to_bytes(16, "big")
