"""``/debug/tracez``: the collector's own spans, summarized as Go's zpages does.

Go's zpages extension registers a span processor with the service's tracer provider (when it is
an SDK one, i.e. ``service.telemetry.traces.processors`` are configured) that keeps, per span
name, the running spans, the count of ended spans per latency bucket and of errors, and a few
sample spans of each. The page lists the names; ``?zspanname=<name>&ztype=<0|1|2>
[&zlatencybucket=<i>]`` shows the samples: running (0), by latency bucket (1), errors (2).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from html import escape
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

#: Go's zpages latency bucket bounds (ns): [0,10µs) [10µs,100µs) ... [100s,∞)
BOUNDS_NS = (10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000)
BUCKET_NAMES = ("[>0s]", "[>10µs]", "[>100µs]", "[>1ms]", "[>10ms]", "[>100ms]", "[>1s]", "[>10s]", "[>100s]")
SAMPLES = 5  # samples kept per bucket and for errors, per span name


def bucket_of(duration_ns: int) -> int:
    for index, bound in enumerate(BOUNDS_NS):
        if duration_ns < bound:
            return index
    return len(BOUNDS_NS)


@dataclass
class NameStats:
    running: dict[int, Span] = field(default_factory=dict)
    latency: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS_NS) + 1))
    errors: int = 0
    latency_samples: list[deque[ReadableSpan]] = field(
        default_factory=lambda: [deque(maxlen=SAMPLES) for _ in range(len(BOUNDS_NS) + 1)]
    )
    error_samples: deque[ReadableSpan] = field(default_factory=lambda: deque(maxlen=SAMPLES))


class TracezProcessor(SpanProcessor):
    """Bounded summaries of the spans the collector makes (the SDK may end spans on its own
    threads: a lock guards the tables)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.names: dict[str, NameStats] = {}
        self.enabled = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if not self.enabled:
            return
        context = span.get_span_context()
        with self._lock:
            self.names.setdefault(span.name, NameStats()).running[context.span_id] = span

    def on_end(self, span: ReadableSpan) -> None:
        if not self.enabled:
            return
        context = span.get_span_context()
        duration = (span.end_time or 0) - (span.start_time or 0)
        with self._lock:
            stats = self.names.setdefault(span.name, NameStats())
            if context is not None:
                stats.running.pop(context.span_id, None)
            if span.status.status_code is StatusCode.ERROR:
                stats.errors += 1
                stats.error_samples.append(span)
            else:
                index = bucket_of(max(0, duration))
                stats.latency[index] += 1
                stats.latency_samples[index].append(span)

    def shutdown(self) -> None:
        self.enabled = False

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    # -- pages -----------------------------------------------------------------------------------
    def summary_html(self) -> str:
        with self._lock:
            rows = sorted(self.names.items())
            head = "".join(f"<th>{escape(b)}</th>" for b in BUCKET_NAMES)
            lines = [f"<table>\n<tr><th>Span Name</th><th>Running</th>{head}<th>Errors</th></tr>"]
            for name, stats in rows:
                link = f"?zspanname={_q(name)}"
                cells = [
                    f'<td><a href="{link}&amp;ztype=0">{len(stats.running)}</a></td>',
                    *(
                        f'<td><a href="{link}&amp;ztype=1&amp;zlatencybucket={i}">{count}</a></td>'
                        for i, count in enumerate(stats.latency)
                    ),
                    f'<td><a href="{link}&amp;ztype=2">{stats.errors}</a></td>',
                ]
                lines.append(f"<tr><td>{escape(name)}</td>{''.join(cells)}</tr>")
        lines.append("</table>")
        return "\n".join(lines)

    def samples_html(self, name: str, kind: int, bucket: int) -> str:
        with self._lock:
            stats = self.names.get(name)
            if stats is None:
                return f"<p>No spans named {escape(name)}.</p>"
            if kind == 0:
                spans: list[Any] = list(stats.running.values())
                title = "running"
            elif kind == 2:
                spans, title = list(stats.error_samples), "errors"
            else:
                bucket = min(max(bucket, 0), len(BUCKET_NAMES) - 1)
                spans, title = list(stats.latency_samples[bucket]), f"latency {BUCKET_NAMES[bucket]}"
        rows = [_span_row(span) for span in spans]
        body = "\n".join(rows) if rows else "<tr><td colspan='6'>no samples</td></tr>"
        return (
            f"<h2>{escape(name)}: {escape(title)}</h2>\n<table>\n<tr><th>Start</th><th>Duration</th>"
            f"<th>Trace ID</th><th>Span ID</th><th>Status</th><th>Attributes</th></tr>\n{body}\n</table>"
        )


def _q(text: str) -> str:
    from urllib.parse import quote

    return escape(quote(text, safe=""))


def _span_row(span: Any) -> str:
    context = span.get_span_context()
    start = span.start_time or 0
    end = span.end_time or time.time_ns()
    attributes = ", ".join(f"{k}={v}" for k, v in (span.attributes or {}).items())
    status = span.status.status_code.name + (f": {span.status.description}" if span.status.description else "")
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start / 1e9)) + f".{start % 1_000_000_000:09d}Z"
    return (
        f"<tr><td>{started}</td><td>{(end - start) / 1e6:.3f} ms</td>"
        f"<td>{format(context.trace_id, '032x')}</td><td>{format(context.span_id, '016x')}</td>"
        f"<td>{escape(status)}</td><td>{escape(attributes)}</td></tr>"
    )
