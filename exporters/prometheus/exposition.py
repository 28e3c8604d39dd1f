"""Families → the bytes of a scrape, in the format the scrape's ``Accept`` header picks, as Go's
promhttp does: Prometheus text format 0.0.4 written as client_golang's ``expfmt`` writes it (Go's
float formatting, ``le`` last), OpenMetrics 1.0 (with exemplars) through prometheus_client's
writer, or delimited protobuf (``io.prometheus.client.MetricFamily``), the only format that
carries native histograms (from exponential histograms)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as openmetrics
from prometheus_client.samples import Exemplar as PromExemplar
from prometheus_client.samples import Timestamp

from pyotelcol.translator.prometheus import client_model
from pyotelcol.translator.prometheus.from_otlp import go_float_g

from .collector import Exemplar, Family, Sample, Series

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
PROTOBUF_CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

_LEGACY_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LEGACY_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def negotiate(accept: str, open_metrics_enabled: bool) -> tuple[str, bool]:
    """(format, utf8 names) as promhttp's negotiation picks them: the acceptable media range with
    the highest ``q`` (first on a tie) among delimited protobuf (``protobuf``), OpenMetrics (when
    enabled) and the text format; ``text`` when nothing matches. Names stay UTF-8 only when that
    range asks for ``escaping=allow-utf-8``."""
    ranges: list[tuple[float, int, str, bool]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        values = {}
        for param in params:
            key, _, value = param.partition("=")
            values[key.strip().lower()] = value.strip().strip('"')
        try:
            q = float(values.get("q", "1"))
        except ValueError:
            q = 0.0
        fmt = None
        if media == "application/vnd.google.protobuf":
            if values.get("proto") == "io.prometheus.client.MetricFamily" and values.get("encoding") == "delimited":
                fmt = "protobuf"
        elif media == "application/openmetrics-text":
            fmt = "openmetrics" if open_metrics_enabled else None
        elif media in ("text/plain", "*/*", "text/*"):
            fmt = "text"
        if fmt is not None and q > 0:
            ranges.append((-q, position, fmt, values.get("escaping") == "allow-utf-8"))
    if not ranges:
        return "text", False
    _, _, fmt, utf8 = min(ranges)
    return fmt, utf8


def _escape_name(name: str, utf8: bool, legacy: re.Pattern[str]) -> str:
    if name.isidentifier() and name.isascii():  # the common case: already a legacy name
        return name
    if legacy.match(name):
        return name
    if utf8:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    escaped = re.sub(r"[^a-zA-Z0-9_:]" if legacy is _LEGACY_NAME else r"[^a-zA-Z0-9_]", "_", name)
    return "_" + escaped if escaped and escaped[0].isdigit() else escaped


def _escape_value(value: str) -> str:
    if "\\" not in value and '"' not in value and "\n" not in value:
        return value
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _text_sample(sample: Sample, utf8: bool) -> str:
    name = _escape_name(sample.name, utf8, _LEGACY_NAME)
    labels = ",".join(f'{_escape_name(k, utf8, _LEGACY_LABEL)}="{_escape_value(v)}"' for k, v in sample.labels)
    if name.startswith('"'):
        head = "{" + name + ("," + labels if labels else "") + "}"
    else:
        head = name + ("{" + labels + "}" if labels else "")
    line = f"{head} {go_float_g(sample.value)}"
    if sample.timestamp_ms is not None:
        line += f" {sample.timestamp_ms}"
    return line + "\n"


def render_text(families: Sequence[Family], utf8: bool = False) -> bytes:
    out: list[str] = []
    for family in families:
        name = _escape_name(family.name, utf8, _LEGACY_NAME)
        help_text = family.help.replace("\\", "\\\\").replace("\n", "\\n")
        out.append(f"# HELP {name} {help_text}\n")
        out.append(f"# TYPE {name} {family.type}\n")
        out.extend(_text_sample(sample, utf8) for sample in family.samples())
    return "".join(out).encode()


def render_openmetrics(families: Sequence[Family], utf8: bool = False) -> bytes:
    """OpenMetrics needs a counter's family name without ``_total``; a counter whose samples do
    not end in ``_total`` (suffixes off) is served as ``unknown``."""

    class _Registry:
        def collect(self) -> list[Metric]:
            return [_om_metric(family) for family in families]

    allow_utf8 = getattr(openmetrics, "ALLOWUTF8", None)  # prometheus_client >= 0.22 knows escaping schemes
    if allow_utf8 is None:
        return bytes(openmetrics.generate_latest(_Registry()))  # type: ignore[no-untyped-call]
    escaping = allow_utf8 if utf8 else openmetrics.UNDERSCORES
    return bytes(openmetrics.generate_latest(_Registry(), escaping=escaping))  # type: ignore[no-untyped-call]


def _om_metric(family: Family) -> Metric:
    kind = family.type
    name = family.name
    if kind == "counter":
        if name.endswith("_total"):
            name = name[: -len("_total")]
        else:
            kind = "unknown"
    elif kind == "untyped":
        kind = "unknown"
    metric = Metric(name, family.help, kind)
    for sample in family.samples():
        exemplar = None
        if sample.exemplar is not None:
            ts = sample.exemplar.timestamp_s
            exemplar = PromExemplar(
                sample.exemplar.labels,
                sample.exemplar.value,
                Timestamp(int(ts), round((ts % 1) * 1e9)) if ts is not None else None,
            )
        timestamp = sample.timestamp_ms / 1000 if sample.timestamp_ms is not None else None
        metric.add_sample(sample.name, dict(sample.labels), sample.value, timestamp, exemplar)
    return metric


# -- protobuf ----------------------------------------------------------------------------------------

_PROTO_TYPES = {
    "counter": "COUNTER",
    "gauge": "GAUGE",
    "summary": "SUMMARY",
    "untyped": "UNTYPED",
    "histogram": "HISTOGRAM",
}


def _set_timestamp(target: Any, nanos: int) -> None:
    target.seconds, target.nanos = divmod(nanos, 1_000_000_000)


def _proto_exemplar(target: Any, exemplar: Exemplar) -> None:
    for key, value in sorted(exemplar.labels.items()):
        target.label.add(name=key, value=value)
    target.value = exemplar.value
    if exemplar.timestamp_s is not None:
        _set_timestamp(target.timestamp, round(exemplar.timestamp_s * 1e9))


def _proto_metric(family: Family, one: Series, metric: Any, utf8: bool) -> None:
    for key, value in one.labels:
        metric.label.add(name=_escape_name(key, utf8, _LEGACY_LABEL).strip('"'), value=value)
    if one.timestamp_ms is not None:
        metric.timestamp_ms = one.timestamp_ms
    kind = family.type
    if kind == "gauge":
        metric.gauge.value = one.value
    elif kind == "untyped":
        metric.untyped.value = one.value
    elif kind == "counter":
        metric.counter.value = one.value
        if one.exemplar is not None:
            _proto_exemplar(metric.counter.exemplar, one.exemplar)
        if one.created_ns > 0:
            _set_timestamp(metric.counter.created_timestamp, one.created_ns)
    elif kind == "summary":
        metric.summary.sample_count = one.count
        metric.summary.sample_sum = one.sum
        for quantile, quantile_value in one.quantiles:
            metric.summary.quantile.add(quantile=quantile, value=quantile_value)
        if one.created_ns > 0:
            _set_timestamp(metric.summary.created_timestamp, one.created_ns)
    else:
        _proto_histogram(one, metric.histogram)


def _proto_histogram(one: Series, histogram: Any) -> None:
    histogram.sample_count = one.count
    histogram.sample_sum = one.sum
    if one.created_ns > 0:
        _set_timestamp(histogram.created_timestamp, one.created_ns)
    for bound, count, exemplar in one.buckets:
        bucket = histogram.bucket.add(cumulative_count=count, upper_bound=bound)
        if exemplar is not None:
            _proto_exemplar(bucket.exemplar, exemplar)
    if one.inf_exemplar is not None:
        bucket = histogram.bucket.add(cumulative_count=one.count, upper_bound=math.inf)
        _proto_exemplar(bucket.exemplar, one.inf_exemplar)
    native = one.native
    if native is None:
        return
    histogram.schema = native.schema
    histogram.zero_threshold = native.zero_threshold
    histogram.zero_count = native.zero_count
    for spans_field, deltas_field, (spans, deltas) in (
        ("positive_span", "positive_delta", native.positive),
        ("negative_span", "negative_delta", native.negative),
    ):
        for offset, length in spans:
            getattr(histogram, spans_field).add(offset=offset, length=length)
        getattr(histogram, deltas_field).extend(deltas)


def render_protobuf(families: Sequence[Family], utf8: bool = False) -> bytes:
    messages = []
    for family in families:
        message = client_model.MetricFamily(
            name=_escape_name(family.name, utf8, _LEGACY_NAME).strip('"'),
            help=family.help,
            type=client_model.MetricType[_PROTO_TYPES[family.type]],
        )
        for one in family.series:
            _proto_metric(family, one, message.metric.add(), utf8)
        messages.append(message)
    return client_model.write_delimited(messages)
