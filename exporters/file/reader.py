"""Reading back what the file exporter wrote (for tests and tooling).

``read_file(path, format, compression)`` returns one entry per exported request, in order:
a ``dict`` (the parsed OTLP/JSON object) for ``format="json"``, the serialized request
``bytes`` for ``format="proto"`` (parse with ``ExportTraceServiceRequest.FromString`` etc.).
"""

from __future__ import annotations

import json
import struct
from typing import Any

import zstandard

_LENGTH = struct.Struct(">I")


def _frames(raw: bytes, path: str) -> list[bytes]:
    frames: list[bytes] = []
    pos = 0
    while pos < len(raw):
        if pos + 4 > len(raw):
            raise ValueError(f"{path}: truncated length prefix at offset {pos}")
        (size,) = _LENGTH.unpack_from(raw, pos)
        pos += 4
        if pos + size > len(raw):
            raise ValueError(f"{path}: truncated message at offset {pos - 4} ({size} bytes announced)")
        frames.append(raw[pos : pos + size])
        pos += size
    return frames


def _decompress(frame: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(frame)


def read_file(path: str, format: str = "json", compression: str = "") -> list[Any]:
    """Parse a file written by the file exporter with the given ``format`` and ``compression``."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if format == "json" and not compression:
        return [json.loads(line) for line in raw.split(b"\n") if line.strip()]
    frames = _frames(raw, path)
    if compression == "zstd":
        frames = [_decompress(f) for f in frames]
    elif compression:
        raise ValueError(f"unsupported compression {compression!r}")
    if format == "json":
        return [json.loads(f) for f in frames]
    if format == "proto":
        return frames
    raise ValueError(f"unsupported format {format!r}")
