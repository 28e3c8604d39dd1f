"""Go's nginxreceiver metrics (metadata.yaml) and a builder that emits them as Go's generated one
does: one resource without attributes, the scope named after Go's package, metrics in name order,
cumulative sums starting when the receiver started."""

from __future__ import annotations

import time

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.pdata import Metrics

from .stubstatus import StubStats

__all__ = ["SCOPE_NAME", "MetricsBuilder"]

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/nginxreceiver"

# name → (description, unit, monotonic); all are cumulative int sums
_SPECS: dict[str, tuple[str, str, bool]] = {
    "nginx.connections_accepted": ("The total number of accepted client connections", "connections", True),
    "nginx.connections_current": ("The current number of nginx connections by state", "connections", False),
    "nginx.connections_handled": (
        "The total number of handled connections. Generally, the parameter value is the same as "
        "nginx.connections_accepted unless some resource limits have been reached (for example, the "
        "worker_connections limit).",
        "connections",
        True,
    ),
    "nginx.requests": ("Total number of requests made to the server since it started", "requests", True),
}


class MetricsBuilder:
    def __init__(self, enabled: set[str], version: str) -> None:
        self._enabled = enabled
        self._version = version
        self.start_ns = time.time_ns()

    def emit(self, stats: StubStats, time_ns: int) -> Metrics:
        # points per metric, in the order Go records them
        values: dict[str, list[tuple[int, str | None]]] = {
            "nginx.connections_accepted": [(stats.accepted, None)],
            "nginx.connections_current": [
                (stats.active, "active"),
                (stats.reading, "reading"),
                (stats.writing, "writing"),
                (stats.waiting, "waiting"),
            ],
            "nginx.connections_handled": [(stats.handled, None)],
            "nginx.requests": [(stats.requests, None)],
        }
        request = metrics_service_pb2.ExportMetricsServiceRequest()
        names = [name for name in sorted(values) if name in self._enabled]
        if not names:
            return Metrics(request)
        sm = request.resource_metrics.add().scope_metrics.add()
        sm.scope.name = SCOPE_NAME
        sm.scope.version = self._version
        for name in names:
            description, unit, monotonic = _SPECS[name]
            metric = sm.metrics.add(name=name, description=description, unit=unit)
            metric.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
            metric.sum.is_monotonic = monotonic
            for value, state in values[name]:
                point = metric.sum.data_points.add(
                    start_time_unix_nano=self.start_ns, time_unix_nano=time_ns, as_int=value
                )
                if state is not None:
                    point.attributes.add(key="state", value=common_pb2.AnyValue(string_value=state))
        return Metrics(request)
