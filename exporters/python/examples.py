"""Functions the ``python`` exporter can run as they are (and that its tests use)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyotelcol.pdata import AnyData
from pyotelcol.pdata.otlpjson import to_json


def discard(data: AnyData, config: dict[str, Any]) -> None:
    """Accept and drop everything (like the ``nop`` exporter)."""


def append_json(data: AnyData, config: dict[str, Any]) -> None:
    """Append each request as one OTLP/JSON line to ``config["path"]``."""
    with Path(config["path"]).open("ab") as out:
        out.write(to_json(data.message) + b"\n")
