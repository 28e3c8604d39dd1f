"""Parsing a scrape body into samples.

prometheus_client's parsers are used (the reference client library, kept by the Prometheus
project): ``parser`` for text format 0.0.4, ``openmetrics.parser`` for OpenMetrics 1.0. Their
family objects are flattened into one ``Sample`` per series line, with the family's type and unit
kept beside it, since relabeling and Go's translation both work per series.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import parser as text_parser
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import parser as om_parser

#: Prometheus' staleness marker: a NaN with a fixed payload, distinct from an exposed ``NaN``.
STALE_NAN: float = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0]
_STALE_BITS = 0x7FF0000000000002

OPENMETRICS_TYPE = "application/openmetrics-text"


def is_stale_nan(value: float) -> bool:
    """True only for Prometheus' staleness marker, not for any other NaN."""
    return math.isnan(value) and struct.unpack("<Q", struct.pack("<d", value))[0] == _STALE_BITS


@dataclass(slots=True)
class Sample:
    """One series line. ``family`` and ``kind`` come from ``# TYPE`` (``unknown`` when absent);
    ``timestamp`` is the exposed one in seconds; ``created`` the OpenMetrics ``_created`` value."""

    family: str
    kind: str
    name: str
    labels: dict[str, str]
    value: float
    timestamp: float | None = None
    unit: str = ""
    help: str = ""
    created: float | None = field(default=None)


def parse_exposition(body: str, content_type: str = "") -> list[Sample]:
    """Parse ``body`` by its ``Content-Type`` (OpenMetrics, else the text format, like Prometheus'
    fallback protocol). Raises ``ValueError`` on a malformed body."""
    openmetrics = content_type.split(";", 1)[0].strip().lower() == OPENMETRICS_TYPE
    parse = om_parser.text_string_to_metric_families if openmetrics else text_parser.text_string_to_metric_families
    families: Iterable[Metric] = parse(body)
    out: list[Sample] = []
    for family in families:
        kind = family.type
        created: dict[tuple[tuple[str, str], ...], float] = {}
        series: list[Sample] = []
        for s in family.samples:
            if openmetrics and s.name.endswith("_created") and kind in ("counter", "histogram", "summary"):
                created[_series_key(s.labels)] = float(s.value)
                continue
            ts = None if s.timestamp is None else _seconds(s.timestamp)
            series.append(
                Sample(family.name, kind, s.name, dict(s.labels), float(s.value), ts, family.unit, family.documentation)
            )
        if created:
            for sample in series:
                sample.created = created.get(_series_key(sample.labels))
        out.extend(series)
    return out


def _series_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k not in ("le", "quantile")))


def _seconds(ts: object) -> float:
    # The OpenMetrics parser returns its own Timestamp type; the text parser a float.
    if isinstance(ts, (int, float)):
        return float(ts)
    sec = getattr(ts, "sec", 0)
    nsec = getattr(ts, "nsec", 0)
    return float(sec) + float(nsec) / 1e9
