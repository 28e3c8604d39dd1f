"""The tail_sampling processor's self-metrics, with Go's names, units and attributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyotelcol.component import Settings
from pyotelcol.helpers.exporterhelper.gauges import register_gauge

from .policies import Decision

PREFIX = "otelcol_processor_tail_sampling_"
_DECISION_BUCKETS = [1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000]
_DECISION_BUCKETS += [10000, 20000, 30000, 50000]

DECISION_ATTRS: dict[Decision, dict[str, str]] = {
    Decision.SAMPLED: {"sampled": "true", "decision": "sampled"},
    Decision.NOT_SAMPLED: {"sampled": "false", "decision": "not_sampled"},
    Decision.DROPPED: {"sampled": "false", "decision": "dropped"},
}


class Telemetry:
    def __init__(self, settings: Settings, traces_on_memory: Callable[[], int]) -> None:
        meter = settings.telemetry.meter

        def counter(name: str, unit: str, description: str) -> Any:
            return meter.create_counter(PREFIX + name, unit=unit, description=description)

        def histogram(name: str, unit: str, description: str, buckets: list[float] | None = None) -> Any:
            return meter.create_histogram(
                PREFIX + name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
            )

        self.count_traces_sampled = counter(
            "count_traces_sampled", "{traces}", "Count of traces that were sampled or not per sampling policy"
        )
        self.global_count_traces_sampled = counter(
            "global_count_traces_sampled",
            "{traces}",
            "Global count of traces that were sampled or not by at least one policy",
        )
        self.new_trace_id_received = counter("new_trace_id_received", "{traces}", "Counts the arrival of new traces")
        self.early_releases = counter(
            "early_releases_from_cache_decision",
            "{spans}",
            "Number of spans that were able to be immediately released due to a decision cache hit.",
        )
        self.policy_evaluation_error = counter(
            "sampling_policy_evaluation_error", "{errors}", "Count of sampling policy evaluation errors"
        )
        self.policy_execution_count = counter(
            "sampling_policy_execution_count",
            "{executions}",
            "Total number of executions of a specific sampling policy",
        )
        self.policy_execution_time_sum = counter(
            "sampling_policy_execution_time_sum",
            "us",
            "Total time spent (in microseconds) executing a specific sampling policy",
        )
        self.dropped_too_early = counter(
            "sampling_trace_dropped_too_early",
            "{traces}",
            "Count of traces that needed to be dropped before the configured wait time",
        )
        self.dropped_too_large = counter(
            "traces_dropped_too_large", "{traces}", "Count of traces that were dropped because they were too large"
        )
        self.decision_timer_latency = histogram(
            "sampling_decision_timer_latency",
            "ms",
            "Latency (in milliseconds) of each run of the sampling decision timer",
            [float(b) for b in _DECISION_BUCKETS],
        )
        self.late_span_age = histogram(
            "sampling_late_span_age",
            "s",
            "Time (in seconds) from the sampling decision was taken and the arrival of a late span",
        )
        self.trace_removal_age = histogram(
            "sampling_trace_removal_age",
            "s",
            "Time (in seconds) from arrival of a new trace until its removal from memory",
        )
        # One gauge per meter, fed by every live instance (the SDK keeps the first callback only).
        self._gauge = register_gauge(
            meter,
            PREFIX + "sampling_traces_on_memory",
            "Tracks the number of traces current on memory",
            "{traces}",
            lambda: [(float(traces_on_memory()), {})],
        )

    def close(self) -> None:
        self._gauge.unregister()
