"""Shared by this folder's tests: send OTLP/JSON to a collector, read what its file exporter wrote.
(Test folders are not packages: the tests load this file by path.)
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

SPAN = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "0000000000000001",
    "name": "op",
    "startTimeUnixNano": "1",
    "endTimeUnixNano": "2",
}


def post(port: int, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200


def read_resources(path: Path, key: str, timeout: float = 15) -> list[dict[str, Any]]:
    """The resource entries (``resourceSpans`` ...) of the first request the file exporter wrote."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return list(json.loads(path.read_text().splitlines()[0])[key])
        time.sleep(0.05)
    raise AssertionError(f"nothing written to {path}")


def attrs(entry: dict[str, Any]) -> dict[str, Any]:
    """A resource's attributes as plain values (arrays as lists)."""
    out: dict[str, Any] = {}
    for kv in entry["resource"].get("attributes", []):
        value = kv["value"]
        if "arrayValue" in value:
            out[kv["key"]] = [next(iter(v.values())) for v in value["arrayValue"].get("values", [])]
        else:
            out[kv["key"]] = next(iter(value.values()))
    return out
