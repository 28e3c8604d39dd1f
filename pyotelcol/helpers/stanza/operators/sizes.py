"""Go's helper.ByteSize: an int, or a string like ``1kb``, ``1MiB``, ``100KB`` (kb = 1000, KiB = 1024)."""

from __future__ import annotations

import re
from typing import Any

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)([iI]?)[bB]?\s*$")
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_byte_size(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"invalid byte size {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw)
    if isinstance(raw, str):
        m = _SIZE.match(raw)
        if m is not None:
            base = 1024 if m.group(3) else 1000
            return int(float(m.group(1)) * base ** _POWERS[m.group(2).lower()])
    raise ValueError(f"invalid byte size {raw!r}")
