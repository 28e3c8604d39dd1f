"""Prometheus exposition of the collector's own metrics (text format 0.0.4), Go's naming.

We encode ourselves instead of using ``prometheus_client``/``opentelemetry-exporter-prometheus``:
those always append ``_total`` to counters (and unit suffixes), while the Go collector's defaults
are ``without_units``, ``without_type_suffix`` and ``without_scope_info`` = true, so its names are
``otelcol_exporter_sent_spans``, not ``otelcol_exporter_sent_spans_total``. Rules (Go's otelconf Prometheus reader):

- metric and label names: characters outside ``[a-zA-Z0-9_:]`` (e.g. dots) become ``_``;
- no unit suffix and no ``_total`` unless the reader sets ``without_units``/``without_type_suffix``
  to false; no ``otel_scope_*`` labels unless ``without_scope_info`` is false;
- resource attributes only on ``target_info`` (plus any ``with_resource_constant_labels``);
- monotonic sums are counters, non-monotonic sums and gauges are gauges, explicit histograms are
  ``_bucket{le=...}``/``_sum``/``_count``; exponential histograms are skipped;
- numbers are written like Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` (``1.234567e+06``).

The reader is pulled: each scrape runs one SDK ``collect()`` (observable callbacks included) on
the event loop and encodes the result; nothing is computed between scrapes.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    MetricReader,
    MetricsData,
    Sum,
)

from ..helpers.listen import format_addr
from ..translator.promunits import PER_UNIT_WORDS, UNIT_WORDS
from .config import PrometheusOptions
from .gofmt import go_float

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_INVALID_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(name: str) -> str:
    out = _INVALID_NAME.sub("_", name)
    return "_" + out if out[:1].isdigit() else out


def label_name(name: str) -> str:
    out = _INVALID_LABEL.sub("_", name)
    if out[:1].isdigit():
        return "key_" + out
    return out


def _escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, Sequence):
        return json.dumps(list(value), separators=(",", ":"))
    return str(value)


def unit_suffix(unit: str, is_gauge: bool) -> str:
    """The Prometheus unit word for an UCUM unit, as the Go translator builds it ('' for none)."""
    unit = re.sub(r"\{[^}]*\}", "", unit or "").strip()
    if not unit:
        return ""
    if unit == "1":
        return "ratio" if is_gauge else ""
    main, _, per = unit.partition("/")
    words = []
    if main:
        words.append(UNIT_WORDS.get(main, _INVALID_LABEL.sub("_", main)))
    if per:
        words.append("per_" + PER_UNIT_WORDS.get(per, _INVALID_LABEL.sub("_", per)))
    return "_".join(w for w in words if w)


def _render_labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape_label_value(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


@dataclass
class _Family:
    name: str
    type: str
    help: str
    # (sorted label text, lines) per series; lines already rendered
    series: list[tuple[str, list[str]]] = field(default_factory=list)


def _labels_from(attributes: Mapping[str, Any] | None, base: Mapping[str, str]) -> dict[str, str]:
    labels = dict(base)
    if attributes:
        for key, value in attributes.items():
            labels[label_name(key)] = _label_value(value)
    return labels


def encode(data: MetricsData | None, opts: PrometheusOptions) -> str:
    """Render SDK MetricsData as Prometheus text format 0.0.4, families sorted by name."""
    families: dict[str, _Family] = {}
    if data is not None:
        for rm in data.resource_metrics:
            res_attrs = dict(rm.resource.attributes or {})
            const = _resource_constant_labels(res_attrs, opts)
            if not opts.without_target_info and res_attrs:
                fam = families.setdefault("target_info", _Family("target_info", "gauge", "Target metadata"))
                labels = _labels_from(res_attrs, {})
                text = _render_labels(labels)
                fam.series.append((text, [f"target_info{text} 1"]))
            for sm in rm.scope_metrics:
                base = dict(const)
                if not opts.without_scope_info:
                    base["otel_scope_name"] = sm.scope.name
                    base["otel_scope_version"] = sm.scope.version or ""
                for metric in sm.metrics:
                    _add_metric(families, metric, base, opts)
    out: list[str] = []
    for name in sorted(families):
        fam = families[name]
        if not fam.series:
            continue
        out.append(f"# HELP {fam.name} {_escape_help(fam.help)}")
        out.append(f"# TYPE {fam.name} {fam.type}")
        for _, lines in sorted(fam.series, key=lambda s: s[0]):
            out.extend(lines)
    return "\n".join(out) + "\n" if out else ""


def _resource_constant_labels(res_attrs: Mapping[str, Any], opts: PrometheusOptions) -> dict[str, str]:
    if not opts.resource_labels_included:
        return {}
    out = {}
    for key, value in res_attrs.items():
        if key in opts.resource_labels_included and key not in opts.resource_labels_excluded:
            out[label_name(key)] = _label_value(value)
    return out


def _add_metric(families: dict[str, _Family], metric: Any, base: Mapping[str, str], opts: PrometheusOptions) -> None:
    data = metric.data
    if isinstance(data, Sum):
        kind = "counter" if data.is_monotonic else "gauge"
    elif isinstance(data, Gauge):
        kind = "gauge"
    elif isinstance(data, Histogram):
        kind = "histogram"
    else:  # ExponentialHistogram: no classic Prometheus representation here
        return
    name = metric_name(metric.name)
    if not opts.without_units:
        suffix = unit_suffix(metric.unit or "", kind == "gauge")
        if suffix and not name.endswith("_" + suffix):
            name = f"{name}_{suffix}"
    if kind == "counter" and not opts.without_type_suffix and not name.endswith("_total"):
        name += "_total"
    fam = families.get(name)
    if fam is None:
        fam = families[name] = _Family(name, kind, metric.description or "")
    elif fam.type != kind:
        return  # conflicting definitions under one name: keep the first, as Go's registry would
    if kind == "histogram":
        for point in data.data_points:
            labels = _labels_from(point.attributes, base)
            fam.series.append((_render_labels(labels), _histogram_lines(name, labels, point)))
    else:
        for point in data.data_points:
            text = _render_labels(_labels_from(point.attributes, base))
            fam.series.append((text, [f"{name}{text} {go_float(float(point.value))}"]))


def _histogram_lines(name: str, labels: dict[str, str], point: Any) -> list[str]:
    # client_golang writes the sorted labels first and ``le`` last.
    inner = ",".join(f'{k}="{_escape_label_value(v)}"' for k, v in sorted(labels.items()))
    lead = "{" + inner + "," if inner else "{"
    lines = []
    cumulative = 0
    counts: Sequence[int] = point.bucket_counts
    bounds: Sequence[float] = point.explicit_bounds
    for i, bound in enumerate(bounds):
        cumulative += counts[i] if i < len(counts) else 0
        lines.append(f'{name}_bucket{lead}le="{go_float(float(bound))}"}} {go_float(cumulative)}')
    lines.append(f'{name}_bucket{lead}le="+Inf"}} {go_float(point.count)}')
    text = _render_labels(labels)
    lines.append(f"{name}_sum{text} {go_float(float(point.sum))}")
    lines.append(f"{name}_count{text} {go_float(point.count)}")
    return lines


class SnapshotMetricReader(MetricReader):
    """A MetricReader that collects only when asked (``scrape``), cumulative for everything."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._data: MetricsData | None = None

    def _receive_metrics(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> None:
        self._data = metrics_data

    def scrape(self) -> MetricsData | None:
        with self._lock:
            self._data = None
            self.collect()
            data, self._data = self._data, None
        return data

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        return None


class PullMetricReader(SnapshotMetricReader):
    """The Prometheus pull reader: collects only when scraped."""

    def __init__(self, options: PrometheusOptions) -> None:
        super().__init__()
        self.options = options

    def render(self) -> str:
        return encode(self.scrape(), self.options)


def listen_error(host: str, port: int, exc: OSError) -> OSError:
    """An OSError whose text reads like Go's ``listen tcp host:port: bind: ...``."""
    where = format_addr(host, port)
    reason = {
        errno.EADDRINUSE: "bind: address already in use",
        errno.EADDRNOTAVAIL: "bind: cannot assign requested address",
        errno.EACCES: "bind: permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return OSError(exc.errno, f"listen tcp {where}: {reason}")


def exporter_bind_error(host: str, port: int, exc: OSError) -> OSError:
    """Go's otelconf wording for a Prometheus reader that cannot listen:
    ``binding address host:port for Prometheus exporter: listen tcp host:port: bind: ...``."""
    where = format_addr(host, port)
    listen = listen_error(host, port, exc).strerror
    return OSError(exc.errno, f"binding address {where} for Prometheus exporter: {listen}")


class PrometheusServer:
    """``GET /metrics`` on the reader's host:port (aiohttp). ``host: ""`` listens on all interfaces."""

    def __init__(self, reader: PullMetricReader, logger: logging.Logger | logging.LoggerAdapter[Any]) -> None:
        self.reader = reader
        self._logger = logger
        self._runner: web.AppRunner | None = None
        #: The port actually bound (differs from the option when it is 0: ephemeral).
        self.bound_port: int | None = None

    @property
    def endpoint(self) -> str:
        host, port = self.reader.options.host, self.reader.options.port
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = self.reader.render()
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/metrics", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        opts = self.reader.options
        site = web.TCPSite(runner, host=opts.host or None, port=opts.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise exporter_bind_error(opts.host, opts.port, exc) from exc
        self._runner = runner
        sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
        self.bound_port = int(sockets[0].getsockname()[1]) if sockets else opts.port
        self._logger.debug("Serving Prometheus metrics", extra={"fields": {"address": self.endpoint}})

    async def shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


def iter_names(text: str) -> Iterable[str]:
    """Sample names in a rendered exposition (test helper)."""
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield re.split(r"[{ ]", line, maxsplit=1)[0]


__all__ = [
    "CONTENT_TYPE",
    "PrometheusServer",
    "PullMetricReader",
    "encode",
    "exporter_bind_error",
    "iter_names",
    "label_name",
    "listen_error",
    "metric_name",
    "unit_suffix",
]
