"""Go's generated metrics builder for httpcheck, reduced to what this receiver emits: one resource
without attributes, one scope named after Go's receiver package, start times from the receiver's
start."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.pdata import Metrics

from .outcome import Outcome

__all__ = ["SCOPE_NAME", "MetricsEmitter"]

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/httpcheckreceiver"
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

Attr = tuple[str, str | int | Sequence[str]]


def _value(value: str | int | Sequence[str]) -> common_pb2.AnyValue:
    if isinstance(value, int):
        return common_pb2.AnyValue(int_value=value)
    if isinstance(value, str):
        return common_pb2.AnyValue(string_value=value)
    items = [common_pb2.AnyValue(string_value=v) for v in value]
    return common_pb2.AnyValue(array_value=common_pb2.ArrayValue(values=items))


class _Metric:
    def __init__(self, name: str, description: str, unit: str, *, is_sum: bool) -> None:
        self.metric = metrics_pb2.Metric(name=name, description=description, unit=unit)
        if is_sum:
            self.metric.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
            self.metric.sum.is_monotonic = False
        self._points = self.metric.sum.data_points if is_sum else self.metric.gauge.data_points

    def add(self, start_ns: int, time_ns: int, value: int, attrs: Iterable[Attr]) -> None:
        point = self._points.add(start_time_unix_nano=start_ns, time_unix_nano=time_ns, as_int=value)
        for key, attr_value in attrs:
            point.attributes.add(key=key, value=_value(attr_value))

    def __len__(self) -> int:
        return len(self._points)


class MetricsEmitter:
    def __init__(self, enabled: set[str], version: str) -> None:
        self._enabled = enabled
        self._version = version
        self._start_ns = time.time_ns()

    @property
    def wants_certificate(self) -> bool:
        return "httpcheck.tls.cert_remaining" in self._enabled

    def reset_start_time(self) -> None:
        self._start_ns = time.time_ns()

    def emit(self, outcomes: Sequence[Outcome]) -> Metrics:
        # Go emits metrics in alphabetical order of their names.
        built = {
            "httpcheck.duration": _Metric(
                "httpcheck.duration", "Measures the duration of the HTTP check.", "ms", is_sum=False
            ),
            "httpcheck.error": _Metric(
                "httpcheck.error", "Records errors occurring during HTTP check.", "{error}", is_sum=True
            ),
            "httpcheck.response.size": _Metric(
                "httpcheck.response.size", "Size of response body in bytes.", "By", is_sum=False
            ),
            "httpcheck.status": _Metric(
                "httpcheck.status",
                "1 if the check resulted in status_code matching the status_class, otherwise 0.",
                "1",
                is_sum=True,
            ),
            "httpcheck.tls.cert_remaining": _Metric(
                "httpcheck.tls.cert_remaining",
                "Time in seconds until certificate expiry, as specified by `NotAfter` field in the x.509 "
                "certificate. Negative values represent time in seconds since expiration.",
                "s",
                is_sum=False,
            ),
        }
        start = self._start_ns
        for out in outcomes:
            url: Attr = ("http.url", out.url)
            if out.cert is not None:
                built["httpcheck.tls.cert_remaining"].add(
                    start,
                    out.time_ns,
                    out.cert.seconds_left,
                    [
                        url,
                        ("http.tls.issuer", out.cert.issuer),
                        ("http.tls.cn", out.cert.common_name),
                        ("http.tls.san", out.cert.sans),
                    ],
                )
            built["httpcheck.duration"].add(start, out.time_ns, out.duration_ms, [url])
            if out.error is not None:
                built["httpcheck.error"].add(start, out.time_ns, 1, [url, ("error.message", out.error)])
            if out.body_size is not None:
                built["httpcheck.response.size"].add(start, out.time_ns, out.body_size, [url])
            for index, status_class in enumerate(STATUS_CLASSES, start=1):
                if out.status_code // 100 == index:
                    attrs: list[Attr] = [url, ("http.status_code", out.status_code)]
                    value = 1
                else:  # Go drops the status code from the classes that did not match
                    attrs, value = [url], 0
                attrs += [("http.method", out.method), ("http.status_class", status_class)]
                built["httpcheck.status"].add(start, out.time_ns, value, attrs)
        request = metrics_service_pb2.ExportMetricsServiceRequest()
        kept = [m.metric for name, m in built.items() if name in self._enabled and len(m)]
        if kept:
            scope = request.resource_metrics.add().scope_metrics.add()
            scope.scope.name = SCOPE_NAME
            scope.scope.version = self._version
            scope.metrics.extend(kept)
        return Metrics(request)
