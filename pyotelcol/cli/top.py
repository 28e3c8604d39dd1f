"""``pyotelcol top``: items per second in and out of every component of a running collector,
queue fill, refusals and failures, refreshed live. Not in the Go collector.

It reads the collector's own metrics (``service.telemetry.metrics`` Prometheus reader, by default
``http://127.0.0.1:8888/metrics``), so it works against any pyotelcol, and against a Go collector
too, without an extra endpoint; rates are the counters' increase between two scrapes.
"""

from __future__ import annotations

import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

DEFAULT_URL = "http://127.0.0.1:8888/metrics"

#: counter (name without ``otelcol_`` and ``_total``) → (component kind, label naming it, column)
_COUNTERS: dict[str, tuple[str, str, str]] = {}
for _item in ("spans", "metric_points", "log_records"):
    _COUNTERS[f"receiver_accepted_{_item}"] = ("receiver", "receiver", "in")
    _COUNTERS[f"receiver_refused_{_item}"] = ("receiver", "receiver", "refused")
    _COUNTERS[f"receiver_failed_{_item}"] = ("receiver", "receiver", "failed")
    _COUNTERS[f"exporter_sent_{_item}"] = ("exporter", "exporter", "out")
    _COUNTERS[f"exporter_send_failed_{_item}"] = ("exporter", "exporter", "failed")
    _COUNTERS[f"exporter_enqueue_failed_{_item}"] = ("exporter", "exporter", "refused")
_COUNTERS["processor_incoming_items"] = ("processor", "processor", "in")
_COUNTERS["processor_outgoing_items"] = ("processor", "processor", "out")
_SIGNAL_OF_ITEM = {"spans": "traces", "metric_points": "metrics", "log_records": "logs"}


@dataclass
class Row:
    kind: str
    name: str
    signal: str
    totals: dict[str, float] = field(default_factory=dict)
    queue: tuple[float, float] | None = None  # size, capacity


Snapshot = dict[tuple[str, str, str], Row]


def _signal(metric: str, labels: dict[str, str]) -> str:
    for item, signal in _SIGNAL_OF_ITEM.items():
        if metric.endswith(item):
            return signal
    return labels.get("otel_signal", labels.get("data_type", ""))


def parse(text: str) -> Snapshot:
    """One scrape, summed per (kind, component, signal) over the other labels (transports...)."""
    rows: Snapshot = {}

    def row(kind: str, name: str, signal: str) -> Row:
        key = (kind, name, signal)
        if key not in rows:
            rows[key] = Row(kind, name, signal)
        return rows[key]

    queues: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = sample.name.removeprefix("otelcol_").removesuffix("_total")
            labels = dict(sample.labels)
            if name in _COUNTERS:
                kind, label, column = _COUNTERS[name]
                if label not in labels:
                    continue
                target = row(kind, labels[label], _signal(name, labels))
                target.totals[column] = target.totals.get(column, 0.0) + sample.value
            elif name in ("exporter_queue_size", "exporter_queue_capacity") and "exporter" in labels:
                queues[(labels["exporter"], labels.get("data_type", ""))][name] = sample.value
    for (exporter, signal), values in queues.items():
        row("exporter", exporter, signal).queue = (
            values.get("exporter_queue_size", 0.0),
            values.get("exporter_queue_capacity", 0.0),
        )
    return rows


def rates(before: Snapshot, after: Snapshot, seconds: float) -> list[tuple[Row, dict[str, float]]]:
    """Each component's per-second increase of its counters between two scrapes."""
    out = []
    for key in sorted(after, key=lambda k: (("receiver", "processor", "exporter").index(k[0]), k[1], k[2])):
        now, then = after[key], before.get(key)
        per_second = {}
        for column, value in now.totals.items():
            previous = then.totals.get(column, 0.0) if then else 0.0
            per_second[column] = max(0.0, value - previous) / seconds if seconds > 0 else 0.0
        out.append((now, per_second))
    return out


def render(table: Iterable[tuple[Row, dict[str, float]]], url: str) -> str:
    header = (
        f"{'KIND':<10}{'COMPONENT':<28}{'SIGNAL':<9}{'IN/s':>11}{'OUT/s':>11}{'REFUSED/s':>11}{'FAILED/s':>11}  QUEUE"
    )
    lines = [f"pyotelcol top — {url}", header]
    for row, per_second in table:
        queue = ""
        if row.queue is not None:
            size, capacity = row.queue
            queue = f"{size:.0f}/{capacity:.0f}" + (f" ({100 * size / capacity:.0f}%)" if capacity else "")
        cells = "".join(_cell(per_second, column) for column in ("in", "out", "refused", "failed"))
        lines.append(f"{row.kind:<10}{row.name:<28}{row.signal:<9}{cells}  {queue}")
    if len(lines) == 2:
        lines.append("(no component metrics yet: is service.telemetry.metrics.level at least basic?)")
    return "\n".join(lines) + "\n"


def _cell(per_second: dict[str, float], column: str) -> str:
    return f"{per_second[column]:>11,.1f}" if column in per_second else f"{'-':>11}"


def fetch(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(resp.read().decode())


def run_top(
    url: str = DEFAULT_URL,
    interval: float = 1.0,
    iterations: int = 0,
    out: Callable[[str], object] = sys.stdout.write,
    clear: bool | None = None,
) -> int:
    """Print the table every ``interval`` seconds (``iterations`` times; 0: until interrupted).
    On a terminal each table replaces the previous one."""
    if clear is None:
        clear = sys.stdout.isatty()
    try:
        before, then = parse(fetch(url)), time.monotonic()
    except OSError as exc:
        print(f"Error: cannot read the collector's metrics at {url}: {exc}", file=sys.stderr)
        return 1
    shown = 0
    try:
        while iterations == 0 or shown < iterations:
            time.sleep(interval)
            try:
                after, now = parse(fetch(url)), time.monotonic()
            except OSError as exc:
                print(f"Error: cannot read the collector's metrics at {url}: {exc}", file=sys.stderr)
                return 1
            out(("\x1b[H\x1b[2J" if clear else "") + render(rates(before, after, now - then), url))
            before, then = after, now
            shown += 1
    except KeyboardInterrupt:
        pass
    return 0
