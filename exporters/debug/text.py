"""Text renderings of OTLP requests for the ``normal`` and ``detailed`` verbosities.

The layout follows the Go debug exporter (``internal/normal`` and ``internal/otlptext``) so
that output read by people or matched by scripts looks the same. Go calls the output format
unstable; profiles are not rendered (pyotelcol has no profiles data type).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .gofmt import as_string, go_f, go_v, hex_id, timestamp, value_to_string

_SPAN_KINDS = ("Unspecified", "Internal", "Server", "Client", "Producer", "Consumer")
_STATUS_CODES = ("Unset", "Ok", "Error")
_TEMPORALITY = ("Unspecified", "Delta", "Cumulative")
_METRIC_TYPES = {
    None: "Empty",
    "gauge": "Gauge",
    "sum": "Sum",
    "histogram": "Histogram",
    "exponential_histogram": "ExponentialHistogram",
    "summary": "Summary",
}
_SEVERITY_WORDS = ("Trace", "Debug", "Info", "Warn", "Error", "Fatal")


def _name(table: tuple[str, ...], index: int) -> str:
    return table[index] if 0 <= index < len(table) else ""


def severity_name(number: int) -> str:
    """plog ``SeverityNumber.String``: Unspecified, Trace, Trace2 … Fatal4."""
    if number == 0:
        return "Unspecified"
    if not 1 <= number <= 24:
        return ""
    word, rank = divmod(number - 1, 4)
    return _SEVERITY_WORDS[word] + (str(rank + 1) if rank else "")


# -- normal verbosity ---------------------------------------------------------------------------


def _attr_pairs(attributes: Iterable[Any]) -> list[str]:
    return [f"{kv.key}={as_string(kv.value)}" for kv in attributes]


def _attr_suffix(attributes: Iterable[Any]) -> str:
    pairs = _attr_pairs(attributes)
    return " " + " ".join(pairs) if pairs else ""


def _resource_details(schema_url: str) -> str:
    return f" [{schema_url}]" if schema_url else ""


def _scope_details(name: str, version: str, schema_url: str) -> str:
    out = name
    if version:
        out += "@" + version
    if schema_url:
        out += (" " if out else "") + f"[{schema_url}]"
    return " " + out if out else ""


def _scope_line(word: str, index: int, scope_block: Any) -> str:
    scope = scope_block.scope
    return (
        f"{word} #{index}{_scope_details(scope.name, scope.version, scope_block.schema_url)}"
        f"{_attr_suffix(scope.attributes)}"
    )


def normal_traces(msg: ExportTraceServiceRequest) -> str:
    out: list[str] = []
    for i, rs in enumerate(msg.resource_spans):
        out.append(f"ResourceTraces #{i}{_resource_details(rs.schema_url)}{_attr_suffix(rs.resource.attributes)}")
        for j, ss in enumerate(rs.scope_spans):
            out.append(_scope_line("ScopeTraces", j, ss))
            for span in ss.spans:
                line = f"{span.name} {hex_id(span.trace_id)} {hex_id(span.span_id)}"
                pairs = _attr_pairs(span.attributes)
                if pairs:
                    line += " " + " ".join(pairs)
                out.append(line)
    return "\n".join(out) + "\n" if out else ""


def normal_logs(msg: ExportLogsServiceRequest) -> str:
    out: list[str] = []
    for i, rl in enumerate(msg.resource_logs):
        out.append(f"ResourceLog #{i}{_resource_details(rl.schema_url)}{_attr_suffix(rl.resource.attributes)}")
        for j, sl in enumerate(rl.scope_logs):
            out.append(_scope_line("ScopeLog", j, sl))
            for rec in sl.log_records:
                out.append(f"{as_string(rec.body)} {' '.join(_attr_pairs(rec.attributes))}")
    return "\n".join(out) + "\n" if out else ""


def _exp_factor(scale: int) -> float:
    return math.ldexp(math.log(2), -scale)


def _safe_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _normal_points(metric: Any) -> list[str]:
    kind = metric.WhichOneof("data")
    lines: list[str] = []
    if kind is None:
        return lines
    for dp in getattr(metric, kind).data_points:
        labels = ",".join(_attr_pairs(dp.attributes))
        if kind in ("gauge", "sum"):
            which = dp.WhichOneof("value")
            if which == "as_int":
                value = str(dp.as_int)
            elif which == "as_double":
                value = go_v(dp.as_double)
            else:
                value = ""
        elif kind == "histogram":
            value = f"count={dp.count}" + _opt_stats(dp, go_v)
            bounds = dp.explicit_bounds
            for b, count in enumerate(dp.bucket_counts):
                bound = f"le{go_v(bounds[b])}=" if b < len(bounds) else ""
                value += f" {bound}{count}"
        elif kind == "exponential_histogram":
            value = f"count={dp.count}" + _opt_stats(dp, go_v)
            factor = _exp_factor(dp.scale)
            neg = dp.negative
            for b in range(len(neg.bucket_counts) - 1, -1, -1):
                upper = -_safe_exp((neg.offset + b) * factor)
                value += f" le{go_v(upper)}={neg.bucket_counts[b]}"
            if dp.zero_count:
                value += f" zero={dp.zero_count}"
            pos = dp.positive
            for b, count in enumerate(pos.bucket_counts):
                upper = _safe_exp((pos.offset + b + 1) * factor)
                value += f" le{go_v(upper)}={count}"
        else:  # summary
            value = f"count={dp.count} sum={go_f(dp.sum)}"
            for q in dp.quantile_values:
                value += f" q{go_v(q.quantile)}={go_v(q.value)}"
        lines.append(f"{metric.name}{{{labels}}} {value}")
    return lines


def _opt_stats(dp: Any, fmt: Any) -> str:
    out = ""
    for name in ("sum", "min", "max"):
        if dp.HasField(name):
            out += f" {name}={fmt(getattr(dp, name))}"
    return out


def normal_metrics(msg: ExportMetricsServiceRequest) -> str:
    out: list[str] = []
    for i, rm in enumerate(msg.resource_metrics):
        out.append(f"ResourceMetrics #{i}{_resource_details(rm.schema_url)}{_attr_suffix(rm.resource.attributes)}")
        for j, sm in enumerate(rm.scope_metrics):
            out.append(_scope_line("ScopeMetrics", j, sm))
            for metric in sm.metrics:
                out.extend(_normal_points(metric))
    return "\n".join(out) + "\n" if out else ""


# -- detailed verbosity -------------------------------------------------------------------------


class _Buffer:
    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []

    def entry(self, text: str) -> None:
        self.lines.append(text)

    def attr(self, name: str, value: str) -> None:
        self.lines.append(f"    {name:<15}: {value}")

    def attributes(self, header: str, attributes: Any, indent: str = "") -> None:
        if not len(attributes):
            return
        self.lines.append(f"{indent}{header}:")
        prefix = indent + "     ->"
        if "->" in header:
            prefix = header.split("->", 1)[0] + prefix
        for kv in attributes:
            self.lines.append(f"{prefix} {kv.key}: {value_to_string(kv.value)}")

    def entity_refs(self, resource: Any) -> None:
        refs = getattr(resource, "entity_refs", ())
        if not len(refs):
            return
        self.lines.append("Resource entity refs:")
        for i, ref in enumerate(refs):
            self.lines.append(f"     -> Entity ref #{i}:")
            self.lines.append(f"          -> Type: {ref.type}")
            if ref.schema_url:
                self.lines.append(f"          -> Schema URL: {ref.schema_url}")
            if len(ref.id_keys):
                self.lines.append("          -> ID keys:")
                self.lines.extend(f"               -> {k}" for k in ref.id_keys)
            if len(ref.description_keys):
                self.lines.append("          -> Description keys:")
                self.lines.extend(f"               -> {k}" for k in ref.description_keys)

    def resource(self, block: Any) -> None:
        self.entry(f"Resource SchemaURL: {block.schema_url}")
        self.attributes("Resource attributes", block.resource.attributes)
        self.entity_refs(block.resource)

    def scope(self, word: str, index: int, block: Any) -> None:
        self.entry(f"{word} #{index}")
        self.entry(f"{word} SchemaURL: {block.schema_url}")
        self.entry(f"InstrumentationScope {block.scope.name} {block.scope.version}")
        self.attributes("InstrumentationScope attributes", block.scope.attributes)

    def exemplars(self, exemplars: Any) -> None:
        if not len(exemplars):
            return
        self.entry("Exemplars:")
        for i, ex in enumerate(exemplars):
            self.entry(f"Exemplar #{i}")
            self.entry(f"     -> Trace ID: {hex_id(ex.trace_id)}")
            self.entry(f"     -> Span ID: {hex_id(ex.span_id)}")
            self.entry(f"     -> Timestamp: {timestamp(ex.time_unix_nano)}")
            which = ex.WhichOneof("value")
            if which == "as_int":
                self.entry(f"     -> Value: {ex.as_int}")
            elif which == "as_double":
                self.entry(f"     -> Value: {go_f(ex.as_double)}")
            self.attributes("     -> FilteredAttributes", ex.filtered_attributes)

    def point_header(self, word: str, index: int, dp: Any) -> None:
        self.entry(f"{word} #{index}")
        self.attributes("Data point attributes", dp.attributes)
        self.entry(f"StartTimestamp: {timestamp(dp.start_time_unix_nano)}")
        self.entry(f"Timestamp: {timestamp(dp.time_unix_nano)}")

    def stats(self, dp: Any) -> None:
        self.entry(f"Count: {dp.count}")
        for name, label in (("sum", "Sum"), ("min", "Min"), ("max", "Max")):
            if dp.HasField(name):
                self.entry(f"{label}: {go_f(getattr(dp, name))}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n" if self.lines else ""


def detailed_traces(msg: ExportTraceServiceRequest) -> str:
    buf = _Buffer()
    for i, rs in enumerate(msg.resource_spans):
        buf.entry(f"ResourceSpans #{i}")
        buf.resource(rs)
        for j, ss in enumerate(rs.scope_spans):
            buf.scope("ScopeSpans", j, ss)
            for k, span in enumerate(ss.spans):
                buf.entry(f"Span #{k}")
                buf.attr("Trace ID", hex_id(span.trace_id))
                buf.attr("Parent ID", hex_id(span.parent_span_id))
                buf.attr("ID", hex_id(span.span_id))
                buf.attr("Name", span.name)
                buf.attr("Kind", _name(_SPAN_KINDS, span.kind))
                if span.trace_state:
                    buf.attr("TraceState", span.trace_state)
                buf.attr("Start time", timestamp(span.start_time_unix_nano))
                buf.attr("End time", timestamp(span.end_time_unix_nano))
                buf.attr("Status code", _name(_STATUS_CODES, span.status.code))
                buf.attr("Status message", span.status.message)
                buf.attr("DroppedAttributesCount", str(span.dropped_attributes_count))
                buf.attr("DroppedEventsCount", str(span.dropped_events_count))
                buf.attr("DroppedLinksCount", str(span.dropped_links_count))
                buf.attributes("Attributes", span.attributes)
                if len(span.events):
                    buf.entry("Events:")
                    for e, event in enumerate(span.events):
                        buf.entry(f"SpanEvent #{e}")
                        buf.entry(f"     -> Name: {event.name}")
                        buf.entry(f"     -> Timestamp: {timestamp(event.time_unix_nano)}")
                        buf.entry(f"     -> DroppedAttributesCount: {event.dropped_attributes_count}")
                        buf.attributes("     -> Attributes:", event.attributes)
                if len(span.links):
                    buf.entry("Links:")
                    for n, link in enumerate(span.links):
                        buf.entry(f"SpanLink #{n}")
                        buf.entry(f"     -> Trace ID: {hex_id(link.trace_id)}")
                        buf.entry(f"     -> ID: {hex_id(link.span_id)}")
                        buf.entry(f"     -> TraceState: {link.trace_state}")
                        buf.entry(f"     -> DroppedAttributesCount: {link.dropped_attributes_count}")
                        buf.attributes("     -> Attributes:", link.attributes)
    return buf.text()


def detailed_logs(msg: ExportLogsServiceRequest) -> str:
    buf = _Buffer()
    for i, rl in enumerate(msg.resource_logs):
        buf.entry(f"ResourceLog #{i}")
        buf.resource(rl)
        for j, sl in enumerate(rl.scope_logs):
            buf.scope("ScopeLogs", j, sl)
            for k, rec in enumerate(sl.log_records):
                buf.entry(f"LogRecord #{k}")
                buf.entry(f"ObservedTimestamp: {timestamp(rec.observed_time_unix_nano)}")
                buf.entry(f"Timestamp: {timestamp(rec.time_unix_nano)}")
                buf.entry(f"SeverityText: {rec.severity_text}")
                buf.entry(f"SeverityNumber: {severity_name(rec.severity_number)}({rec.severity_number})")
                event_name = getattr(rec, "event_name", "")
                if event_name:
                    buf.entry(f"EventName: {event_name}")
                buf.entry(f"Body: {value_to_string(rec.body)}")
                buf.attributes("Attributes", rec.attributes)
                buf.entry(f"Trace ID: {hex_id(rec.trace_id)}")
                buf.entry(f"Span ID: {hex_id(rec.span_id)}")
                buf.entry(f"Flags: {rec.flags}")
    return buf.text()


def _detailed_metric(buf: _Buffer, metric: Any) -> None:
    kind = metric.WhichOneof("data")
    buf.entry("Descriptor:")
    buf.entry(f"     -> Name: {metric.name}")
    buf.entry(f"     -> Description: {metric.description}")
    buf.entry(f"     -> Unit: {metric.unit}")
    buf.entry(f"     -> DataType: {_METRIC_TYPES.get(kind, 'Empty')}")
    buf.attributes("     -> Metadata", metric.metadata)
    if kind is None:
        return
    data = getattr(metric, kind)
    if kind == "sum":
        buf.entry(f"     -> IsMonotonic: {'true' if data.is_monotonic else 'false'}")
    if kind in ("sum", "histogram", "exponential_histogram"):
        buf.entry(f"     -> AggregationTemporality: {_name(_TEMPORALITY, data.aggregation_temporality)}")
    if kind in ("gauge", "sum"):
        for i, dp in enumerate(data.data_points):
            buf.point_header("NumberDataPoints", i, dp)
            which = dp.WhichOneof("value")
            if which == "as_int":
                buf.entry(f"Value: {dp.as_int}")
            elif which == "as_double":
                buf.entry(f"Value: {go_f(dp.as_double)}")
            buf.exemplars(dp.exemplars)
    elif kind == "histogram":
        for i, dp in enumerate(data.data_points):
            buf.point_header("HistogramDataPoints", i, dp)
            buf.stats(dp)
            for b, bound in enumerate(dp.explicit_bounds):
                buf.entry(f"ExplicitBounds #{b}: {go_f(bound)}")
            for b, count in enumerate(dp.bucket_counts):
                buf.entry(f"Buckets #{b}, Count: {count}")
            buf.exemplars(dp.exemplars)
    elif kind == "exponential_histogram":
        for i, dp in enumerate(data.data_points):
            buf.point_header("ExponentialHistogramDataPoints", i, dp)
            buf.stats(dp)
            factor = _exp_factor(dp.scale)
            neg = dp.negative
            for b in range(len(neg.bucket_counts) - 1, -1, -1):
                index = neg.offset + b
                lower, upper = _safe_exp(index * factor), _safe_exp((index + 1) * factor)
                buf.entry(f"Bucket [{go_f(-upper)}, {go_f(-lower)}), Count: {neg.bucket_counts[b]}")
            if dp.zero_count:
                buf.entry(f"Bucket [0, 0], Count: {dp.zero_count}")
            pos = dp.positive
            for b, count in enumerate(pos.bucket_counts):
                index = pos.offset + b
                lower, upper = _safe_exp(index * factor), _safe_exp((index + 1) * factor)
                buf.entry(f"Bucket ({go_f(lower)}, {go_f(upper)}], Count: {count}")
            buf.exemplars(dp.exemplars)
    else:  # summary
        for i, dp in enumerate(data.data_points):
            buf.point_header("SummaryDataPoints", i, dp)
            buf.entry(f"Count: {dp.count}")
            buf.entry(f"Sum: {go_f(dp.sum)}")
            for q, qv in enumerate(dp.quantile_values):
                buf.entry(f"QuantileValue #{q}: Quantile {go_f(qv.quantile)}, Value {go_f(qv.value)}")


def detailed_metrics(msg: ExportMetricsServiceRequest) -> str:
    buf = _Buffer()
    for i, rm in enumerate(msg.resource_metrics):
        buf.entry(f"ResourceMetrics #{i}")
        buf.resource(rm)
        for j, sm in enumerate(rm.scope_metrics):
            buf.scope("ScopeMetrics", j, sm)
            for k, metric in enumerate(sm.metrics):
                buf.entry(f"Metric #{k}")
                _detailed_metric(buf, metric)
    return buf.text()
