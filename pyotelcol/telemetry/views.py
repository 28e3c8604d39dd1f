"""SDK Views: Go's histogram buckets, metrics-level gating, and user ``metrics.views`` (detailed only).

Level gating (Go: the metric views otelconftelemetry applies per level), applied as Drop views so components can record unconditionally:
- below ``normal``: every ``otelcol_processor_batch_*`` instrument is dropped;
- below ``detailed``: ``otelcol_processor_internal_duration``, ``otelcol_processor_batch_batch_send_size_bytes``,
  the exporter ``queue_batch_send_size``/``enqueue_size`` histograms (and ``_bytes``), and the HTTP/gRPC
  instrumentation meters are dropped.
Components may also read ``TelemetrySettings.metrics_level`` to skip work (e.g. error labels at detailed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.view import (
    Aggregation,
    DefaultAggregation,
    DropAggregation,
    ExplicitBucketHistogramAggregation,
    ExponentialBucketHistogramAggregation,
    LastValueAggregation,
    SumAggregation,
    View,
)

from .config import MetricsLevel

#: Go's buckets for otelcol_processor_batch_batch_send_size (batchprocessor metadata.yaml).
BATCH_SEND_SIZE_BUCKETS: tuple[float, ...] = (
    10,
    25,
    50,
    75,
    100,
    250,
    500,
    750,
    1000,
    2000,
    3000,
    4000,
    5000,
    6000,
    7000,
    8000,
    9000,
    10000,
    20000,
    30000,
    50000,
    100000,
)
#: Go's buckets for otelcol_processor_batch_batch_send_size_bytes.
BATCH_SEND_SIZE_BYTES_BUCKETS: tuple[float, ...] = (
    10,
    25,
    50,
    75,
    100,
    250,
    500,
    750,
    1000,
    2000,
    3000,
    4000,
    5000,
    6000,
    7000,
    8000,
    9000,
    10000,
    20000,
    30000,
    50000,
    100000,
    200000,
    300000,
    400000,
    500000,
    600000,
    700000,
    800000,
    900000,
    1000000,
    2000000,
    3000000,
    4000000,
    5000000,
    6000000,
    7000000,
    8000000,
    9000000,
)

BATCH_SEND_SIZE = "otelcol_processor_batch_batch_send_size"
BATCH_SEND_SIZE_BYTES = "otelcol_processor_batch_batch_send_size_bytes"

#: Instruments recorded only at ``detailed``.
DETAILED_ONLY: tuple[str, ...] = (
    "otelcol_processor_internal_duration",
    BATCH_SEND_SIZE_BYTES,
    "otelcol_exporter_queue_batch_send_size",
    "otelcol_exporter_queue_batch_send_size_bytes",
    "otelcol_exporter_enqueue_size",
    "otelcol_exporter_enqueue_size_bytes",
)
#: Meters of HTTP/gRPC server/client instrumentation, dropped below ``detailed``.
INSTRUMENTATION_METERS: tuple[str, ...] = (
    "opentelemetry.instrumentation.aiohttp_server",
    "opentelemetry.instrumentation.aiohttp_client",
    "opentelemetry.instrumentation.grpc",
    "pyotelcol.http",
    "pyotelcol.grpc",
)


def level_views(level: MetricsLevel) -> list[View]:
    views: list[View] = []
    if level < MetricsLevel.NORMAL:
        views.append(View(instrument_name="otelcol_processor_batch_*", aggregation=DropAggregation()))
    else:
        views.append(
            View(
                instrument_name=BATCH_SEND_SIZE, aggregation=ExplicitBucketHistogramAggregation(BATCH_SEND_SIZE_BUCKETS)
            )
        )
    if level < MetricsLevel.DETAILED:
        for name in DETAILED_ONLY:
            if level < MetricsLevel.NORMAL and name.startswith("otelcol_processor_batch_"):
                continue  # already dropped by the wildcard view
            views.append(View(instrument_name=name, aggregation=DropAggregation()))
        for meter in INSTRUMENTATION_METERS:
            views.append(View(meter_name=meter, aggregation=DropAggregation()))
    else:
        views.append(
            View(
                instrument_name=BATCH_SEND_SIZE_BYTES,
                aggregation=ExplicitBucketHistogramAggregation(BATCH_SEND_SIZE_BYTES_BUCKETS),
            )
        )
    return views


_INSTRUMENT_TYPES: dict[str, type] = {
    "counter": Counter,
    "histogram": Histogram,
    "observable_counter": ObservableCounter,
    "observable_gauge": ObservableGauge,
    "observable_up_down_counter": ObservableUpDownCounter,
    "observable_updown_counter": ObservableUpDownCounter,
    "up_down_counter": UpDownCounter,
    "updown_counter": UpDownCounter,
}


def _aggregation(raw: Any) -> Aggregation:
    if raw is None:
        return DefaultAggregation()
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ValueError("view stream aggregation must name exactly one aggregation")
    ((kind, body),) = raw.items()
    body = body or {}
    if kind == "default":
        return DefaultAggregation()
    if kind == "drop":
        return DropAggregation()
    if kind == "sum":
        return SumAggregation()
    if kind == "last_value":
        return LastValueAggregation()
    if kind == "explicit_bucket_histogram":
        bounds = body.get("boundaries")
        record_min_max = body.get("record_min_max", True)
        if bounds is None:
            return ExplicitBucketHistogramAggregation(record_min_max=bool(record_min_max))
        return ExplicitBucketHistogramAggregation([float(b) for b in bounds], record_min_max=bool(record_min_max))
    if kind in ("base2_exponential_bucket_histogram", "exponential_bucket_histogram"):
        return ExponentialBucketHistogramAggregation(
            max_size=int(body.get("max_size", 160)), max_scale=int(body.get("max_scale", 20))
        )
    raise ValueError(f'unsupported view aggregation "{kind}"')


def user_views(raw_views: Sequence[Any], warnings: list[str]) -> list[View]:
    """OTel declarative ``views`` -> SDK Views. Unsupported parts are reported in ``warnings``."""
    views: list[View] = []
    for i, raw in enumerate(raw_views):
        if not isinstance(raw, dict):
            raise ValueError(f"views[{i}]: expected a map with selector and stream")
        selector = raw.get("selector") or {}
        stream = raw.get("stream") or {}
        if not selector or not stream:
            continue  # Go skips views without selector or stream
        kwargs: dict[str, Any] = {}
        for src, dst in (
            ("instrument_name", "instrument_name"),
            ("unit", "instrument_unit"),
            ("meter_name", "meter_name"),
            ("meter_version", "meter_version"),
            ("meter_schema_url", "meter_schema_url"),
        ):
            if selector.get(src) is not None:
                kwargs[dst] = str(selector[src])
        itype = selector.get("instrument_type")
        if itype is not None:
            if itype not in _INSTRUMENT_TYPES:
                raise ValueError(f'views[{i}]: unsupported instrument_type "{itype}"')
            kwargs["instrument_type"] = _INSTRUMENT_TYPES[itype]
        if stream.get("name") is not None:
            kwargs["name"] = str(stream["name"])
        if stream.get("description") is not None:
            kwargs["description"] = str(stream["description"])
        kwargs["aggregation"] = _aggregation(stream.get("aggregation"))
        keys = stream.get("attribute_keys")
        if isinstance(keys, list):
            kwargs["attribute_keys"] = {str(k) for k in keys}
        elif isinstance(keys, dict):
            if keys.get("included") is not None:
                kwargs["attribute_keys"] = {str(k) for k in keys["included"]}
            if keys.get("excluded"):
                warnings.append(f"views[{i}]: attribute_keys.excluded is not supported by pyotelcol; ignored")
        try:
            views.append(View(**kwargs))
        except Exception as exc:
            raise ValueError(f"views[{i}]: {exc}") from exc
    return views


__all__ = [
    "BATCH_SEND_SIZE",
    "BATCH_SEND_SIZE_BUCKETS",
    "BATCH_SEND_SIZE_BYTES",
    "BATCH_SEND_SIZE_BYTES_BUCKETS",
    "DETAILED_ONLY",
    "level_views",
    "user_views",
]
