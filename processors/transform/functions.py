"""The transform processor's own OTTL functions (Go's ``internal/metrics`` and ``internal/traces``).

They are handed to the engine as extra functions, each limited to the context Go registers it in:
metric context for the metric conversions, datapoint for ``merge_histogram_buckets``, span for
``set_semconv_span_name``.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.ottl import CompileError, ExecutionError, FunctionSpec, Param
from pyotelcol.ottl.values import float_like
from pyotelcol.pdata import Value

from . import log_parsing, metric_aggregations

Fn = Any

METRIC = frozenset({"metric"})
DATAPOINT = frozenset({"datapoint"})
SPAN = frozenset({"span"})

_TEMPORALITY = {"cumulative": 2, "delta": 1}


def _convert_sum_to_gauge() -> Fn:
    def run(t: Any) -> None:
        metric = t.metric
        pb = metric.proto
        if pb.WhichOneof("data") != "sum":
            return
        points = list(pb.sum.data_points)
        gauge = metric.set_empty_gauge()
        gauge.mutable_proto().data_points.extend(points)

    return run


def _convert_gauge_to_sum(aggregation_temporality: Any, is_monotonic: Any) -> Fn:
    temporality = _TEMPORALITY.get(aggregation_temporality) if isinstance(aggregation_temporality, str) else None
    if temporality is None:
        raise CompileError(f"unknown aggregation temporality: {aggregation_temporality}")
    if not isinstance(is_monotonic, bool):
        raise CompileError("is_monotonic must be a bool")

    def run(t: Any) -> None:
        metric = t.metric
        pb = metric.proto
        if pb.WhichOneof("data") != "gauge":
            return
        points = list(pb.gauge.data_points)
        total = metric.set_empty_sum().mutable_proto()
        total.aggregation_temporality = temporality
        total.is_monotonic = is_monotonic
        total.data_points.extend(points)

    return run


def _opt_str(getter: Any, t: Any, what: str) -> str | None:
    if getter is None:
        return None
    value = getter(t)
    if not isinstance(value, str):
        raise ExecutionError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _copy_metric(name: Any, description: Any, unit: Any) -> Fn:
    def run(t: Any) -> None:
        new_name = _opt_str(name, t, "name")
        new_description = _opt_str(description, t, "description")
        new_unit = _opt_str(unit, t, "unit")
        copy = t.scope_container.metrics.append_copy(t.metric)
        if new_name is not None:
            copy.name = new_name
        if new_description is not None:
            copy.description = new_description
        if new_unit is not None:
            copy.unit = new_unit

    return run


def _scale_metric(multiplier: Any, unit: Any) -> Fn:
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
        raise CompileError("multiplier must be a number")
    scale = float(multiplier)

    def scale_number(point: Any) -> None:
        kind = point.WhichOneof("value")
        if kind == "as_double":
            point.as_double *= scale
        elif kind == "as_int":
            point.as_int = int(point.as_int * scale)

    def scale_exemplars(point: Any) -> None:
        for exemplar in point.exemplars:
            scale_number(exemplar)

    def run(t: Any) -> None:
        metric = t.metric
        new_unit = _opt_str(unit, t, "unit")
        kind = metric.proto.WhichOneof("data")
        if kind == "exponential_histogram":
            raise ExecutionError("exponential histograms are not supported by the 'scale_metric' function")
        if kind not in ("gauge", "sum", "histogram", "summary"):
            raise ExecutionError(f"unsupported metric type: '{_TYPE_NAMES.get(kind, kind)}'")
        pb = metric.mutable_proto()
        data = getattr(pb, kind)
        if kind in ("gauge", "sum"):
            for point in data.data_points:
                scale_number(point)
        elif kind == "histogram":
            for point in data.data_points:
                if point.HasField("sum"):
                    point.sum *= scale
                if point.HasField("min"):
                    point.min *= scale
                if point.HasField("max"):
                    point.max *= scale
                point.explicit_bounds[:] = [b * scale for b in point.explicit_bounds]
                scale_exemplars(point)
        else:
            for point in data.data_points:
                point.sum *= scale
                for quantile in point.quantile_values:
                    quantile.value *= scale
        # Go sets the unit only once the data was scaled.
        if new_unit is not None:
            pb.unit = new_unit

    return run


_TYPE_NAMES = {None: "Empty", "gauge": "Gauge", "sum": "Sum", "histogram": "Histogram"}
_TYPE_NAMES.update({"exponential_histogram": "ExponentialHistogram", "summary": "Summary"})
_DISTRIBUTIONS = ("histogram", "exponential_histogram", "summary")


def _invalid_type(function: str, kind: str | None) -> ExecutionError:
    return ExecutionError(
        f"{function} requires an input metric of type Histogram, ExponentialHistogram or Summary, "
        f"got {_TYPE_NAMES.get(kind, kind)}"
    )


def _suffix(value: Any, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise CompileError("suffix must be a string")
    return value


def _extract(function: str, default_suffix: str, what: str) -> Fn:
    """extract_sum_metric / extract_count_metric / extract_avg_metric (metric context)."""

    def factory(monotonic: Any = None, suffix: Any = None) -> Fn:
        if what != "avg" and not isinstance(monotonic, bool):
            raise CompileError("monotonic must be a bool")
        name_suffix = _suffix(suffix, default_suffix)

        def run(t: Any) -> None:
            pb = t.metric.proto
            kind = pb.WhichOneof("data")
            if kind not in _DISTRIBUTIONS:
                raise _invalid_type(function, kind)
            data = getattr(pb, kind)
            temporality: int = data.aggregation_temporality if kind != "summary" else _TEMPORALITY["cumulative"]
            if temporality == 0 and what != "avg":
                raise _invalid_type(function, kind)
            out = metrics_pb2.Metric(name=pb.name + name_suffix, description=pb.description, unit=pb.unit)
            if what == "count":
                out.unit = "1"
            if what == "avg":
                out.gauge.SetInParent()
                points = out.gauge.data_points
            else:
                out.sum.is_monotonic = monotonic
                out.sum.aggregation_temporality = temporality  # type: ignore[assignment]
                points = out.sum.data_points
            for point in data.data_points:
                has_sum = kind == "summary" or point.HasField("sum")
                if (what == "sum" and not has_sum) or (what == "avg" and not (has_sum and point.count > 0)):
                    continue
                dp = points.add()
                dp.attributes.extend(point.attributes)
                dp.start_time_unix_nano = point.start_time_unix_nano
                dp.time_unix_nano = point.time_unix_nano
                if what == "sum":
                    dp.as_double = point.sum
                elif what == "count":
                    dp.as_int = point.count
                else:
                    dp.as_double = point.sum / point.count
            if len(points):
                t.scope_container.metrics.append_empty().mutable_proto().CopyFrom(out)

        return run

    return factory


def _summary_to_sum(default_suffix: str, what: str) -> Fn:
    """convert_summary_sum_val_to_sum / convert_summary_count_val_to_sum (datapoint context: as
    in Go, the new metric is appended once per data point of the summary)."""

    def factory(aggregation_temporality: Any, monotonic: Any, suffix: Any = None) -> Fn:
        temporality = _TEMPORALITY.get(aggregation_temporality) if isinstance(aggregation_temporality, str) else None
        if temporality is None:
            raise CompileError(f"unknown aggregation temporality: {aggregation_temporality}")
        if not isinstance(monotonic, bool):
            raise CompileError("monotonic must be a bool")
        name_suffix = _suffix(suffix, default_suffix)

        def run(t: Any) -> None:
            pb = t.metric.proto
            if pb.WhichOneof("data") != "summary":
                return
            out = metrics_pb2.Metric(name=pb.name + name_suffix, description=pb.description, unit=pb.unit)
            out.sum.aggregation_temporality = temporality  # type: ignore[assignment]
            out.sum.is_monotonic = monotonic
            for point in pb.summary.data_points:
                dp = out.sum.data_points.add()
                dp.attributes.extend(point.attributes)
                dp.start_time_unix_nano = point.start_time_unix_nano
                dp.time_unix_nano = point.time_unix_nano
                if what == "sum":
                    dp.as_double = point.sum
                else:
                    dp.as_int = point.count
            t.scope_container.metrics.append_empty().mutable_proto().CopyFrom(out)

        return run

    return factory


def _merge_histogram_buckets(target_value: Any, method: Any) -> Fn:
    method = method or "remove_explicit_bound"
    if method not in ("remove_explicit_bound", "limit_buckets"):
        raise CompileError(f'unsupported method "{method}", expected "remove_explicit_bound" or "limit_buckets"')

    def max_buckets(value: float) -> int:
        if value < 1 or math.trunc(value) != value or value > float(2**63 - 1):
            raise ExecutionError(f'target_value must be a positive integer when method is "limit_buckets", got {value}')
        return int(value)

    def run(t: Any) -> None:
        point = t.datapoint.proto
        if not isinstance(point, metrics_pb2.HistogramDataPoint):
            return
        target = float_like(target_value(t))
        if target is None:
            raise ExecutionError("target_value must not be nil")
        bounds, counts = list(point.explicit_bounds), list(point.bucket_counts)
        if len(bounds) + 1 != len(counts) or len(counts) <= 1:
            return
        if method == "remove_explicit_bound":
            index = next((i for i, b in enumerate(bounds) if abs(b - target) < 1e-12), -1)
            if index < 0:
                return
            counts[index + 1] += counts[index]
            del bounds[index]
            del counts[index]
        else:
            limit = max_buckets(target)
            if len(counts) <= limit or any(not b > a for a, b in itertools.pairwise(bounds)):
                return
            divisor = (len(counts) - 1) // limit + 1
            counts = [sum(counts[i : i + divisor]) for i in range(0, len(counts), divisor)]
            bounds = [bounds[i] for i in range(divisor - 1, len(bounds), divisor)]
        pb = t.datapoint.mutable_proto()
        pb.explicit_bounds[:] = bounds
        pb.bucket_counts[:] = counts

    return run


# --- set_semconv_span_name -----------------------------------------------------------------------

_SEMVER = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?")


def _attr(attrs: dict[str, Value], name: str, alias: str = "") -> Value | None:
    if name in attrs:
        return attrs[name]
    if alias and alias in attrs:
        return attrs[alias]
    return None


def _http_name(a: dict[str, Value], subject: str) -> str:
    method = _attr(a, "http.request.method", "http.method")
    if method is None:
        return ""
    return method.as_string() + (" " + a[subject].as_string() if subject in a else "")


def _rpc_name(a: dict[str, Value]) -> str:
    system = _attr(a, "rpc.system.name", "rpc.system")
    if system is None:
        return ""
    method = _attr(a, "rpc.method", "rpc.grpc.method")
    service = _attr(a, "rpc.service", "rpc.grpc.service")
    if method is not None and service is not None:
        return service.as_string() + "/" + method.as_string()
    if method is not None:
        return str(method.as_string())
    if service is not None:
        return service.as_string() + "/*"
    return str(system.as_string())


def _address(a: dict[str, Value]) -> str:
    if "server.address" in a:
        port = ":" + a["server.port"].as_string() if "server.port" in a else ""
        return a["server.address"].as_string() + port
    return ""


def _db_name(a: dict[str, Value]) -> str:
    system = _attr(a, "db.system.name", "db.system")
    if system is None:
        return ""
    if "db.query.summary" in a:
        return str(a["db.query.summary"].as_string())
    operation = _attr(a, "db.operation.name", "db.operation")
    op = operation.as_string() if operation is not None else ""
    namespace = _attr(a, "db.namespace", "db.name")
    ns = namespace.as_string() if namespace is not None else ""
    target = ""
    for key in ("db.collection.name", "db.stored_procedure.name"):
        if key in a:
            target = (ns + "." if ns else "") + a[key].as_string()
            break
    else:
        target = ns or _address(a)
    if op and target:
        return op + " " + target
    return op or target or str(system.as_string())


def _messaging_name(a: dict[str, Value]) -> str:
    if "messaging.system" not in a:
        return ""
    operation = _attr(a, "messaging.operation.name", "messaging.operation")
    destination = ""
    if "messaging.destination.temporary" in a and a["messaging.destination.temporary"].bool_value:
        destination = "(temporary)"
    elif "messaging.destination.anonymous" in a and a["messaging.destination.anonymous"].bool_value:
        destination = "(anonymous)"
    elif "messaging.destination.template" in a:
        destination = a["messaging.destination.template"].as_string()
    else:
        name = _attr(a, "messaging.destination.name", "messaging.destination")
        destination = name.as_string() if name is not None else _address(a)
    if operation is not None and destination:
        return operation.as_string() + " " + destination
    if destination:
        return destination
    if operation is not None:
        return str(operation.as_string())
    return str(a["messaging.system"].as_string())


_BY_KIND: dict[int, tuple[Any, ...]] = {
    2: (lambda a: _http_name(a, "http.route"), _rpc_name, _messaging_name),
    5: (_messaging_name,),
    3: (lambda a: _http_name(a, "url.template"), _rpc_name, _db_name, _messaging_name),
    4: (_messaging_name,),
}


def _set_semconv_span_name(semconv_version: Any, original_span_name_attribute: Any) -> Fn:
    match = _SEMVER.fullmatch(semconv_version) if isinstance(semconv_version, str) else None
    if match is None:
        raise CompileError(f'failed to parse semconv version "{semconv_version}": Invalid Semantic Version')
    version = tuple(int(p or 0) for p in match.groups())
    if not (1, 37, 0) <= version <= (1, 43, 0):
        raise CompileError(f'unsupported semconv version "{semconv_version}": must be between 1.37.0 and 1.43.0')
    if original_span_name_attribute == "":
        raise CompileError("originalSpanNameAttribute cannot be an empty string")

    def run(t: Any) -> None:
        span = t.span
        original = span.name
        attrs = dict(span.attributes.items())
        name = ""
        for derive in _BY_KIND.get(span.kind, ()):
            name = derive(attrs)
            if name:
                break
        name = name or original
        if name != original:
            span.name = name
            if original_span_name_attribute:
                span.attributes.put_str(original_span_name_attribute, original)

    return run


def extra_functions() -> dict[str, FunctionSpec]:
    specs = [
        FunctionSpec("convert_sum_to_gauge", (), _convert_sum_to_gauge, METRIC),
        FunctionSpec(
            "convert_gauge_to_sum",
            (Param("aggregation_temporality", "literal"), Param("is_monotonic", "literal")),
            _convert_gauge_to_sum,
            METRIC,
        ),
        FunctionSpec(
            "copy_metric",
            (
                Param("name", "getter", optional=True),
                Param("description", "getter", optional=True),
                Param("unit", "getter", optional=True),
            ),
            _copy_metric,
            METRIC,
        ),
        FunctionSpec(
            "scale_metric",
            (Param("multiplier", "literal"), Param("unit", "getter", optional=True)),
            _scale_metric,
            METRIC,
        ),
        FunctionSpec(
            "extract_sum_metric",
            (Param("monotonic", "literal"), Param("suffix", "literal", optional=True)),
            _extract("extract_sum_metric", "_sum", "sum"),
            METRIC,
        ),
        FunctionSpec(
            "extract_count_metric",
            (Param("monotonic", "literal"), Param("suffix", "literal", optional=True)),
            _extract("extract_count_metric", "_count", "count"),
            METRIC,
        ),
        FunctionSpec(
            "extract_avg_metric",
            (Param("suffix", "literal", optional=True),),
            _extract("extract_avg_metric", "_avg", "avg"),
            METRIC,
        ),
        FunctionSpec(
            "convert_summary_sum_val_to_sum",
            (
                Param("aggregation_temporality", "literal"),
                Param("monotonic", "literal"),
                Param("suffix", "literal", optional=True),
            ),
            _summary_to_sum("_sum", "sum"),
            DATAPOINT,
        ),
        FunctionSpec(
            "convert_summary_count_val_to_sum",
            (
                Param("aggregation_temporality", "literal"),
                Param("monotonic", "literal"),
                Param("suffix", "literal", optional=True),
            ),
            _summary_to_sum("_count", "count"),
            DATAPOINT,
        ),
        FunctionSpec(
            "merge_histogram_buckets",
            (Param("target_value", "getter"), Param("method", "literal", optional=True)),
            _merge_histogram_buckets,
            DATAPOINT,
        ),
        FunctionSpec(
            "set_semconv_span_name",
            (Param("semconv_version", "literal"), Param("original_span_name_attribute", "literal", optional=True)),
            _set_semconv_span_name,
            SPAN,
        ),
        *log_parsing.SPECS,  # ParseCEF, ParseCLF, ParseLEEF, ParseELF (log context)
        *metric_aggregations.SPECS,  # aggregate_on_*, extract_percentile_metric, conversions
    ]
    return {spec.name: spec for spec in specs}
