"""The feature gates Go's span metrics connector registers (v0.165), with their default states.

A gate the collector's registry knows (``--feature-gates``) is read from it; one it does not know
keeps Go's default, so the connector behaves as Go's does out of the box.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.featuregate import GLOBAL, Gate, Registry, Stage

EXCLUDE_RESOURCE_METRICS = "connector.spanmetrics.excludeResourceMetrics"
INCLUDE_COLLECTOR_INSTANCE_ID = "connector.spanmetrics.includeCollectorInstanceID"
LEGACY_METRIC_NAMES = "connector.spanmetrics.legacyMetricNames"
USE_SECOND_AS_DEFAULT_UNIT = "connector.spanmetrics.useSecondAsDefaultMetricsUnit"
USE_OTEL_STATUS_PREFIX = "spanmetrics.statusCodeConvention.useOtelPrefix"

GATES = (
    Gate(
        EXCLUDE_RESOURCE_METRICS,
        Stage.ALPHA,
        "When enabled, connector will exclude all resource attributes.",
        "v0.137.0",
    ),
    Gate(
        INCLUDE_COLLECTOR_INSTANCE_ID,
        Stage.BETA,
        "When enabled, connector add collector.instance.id to default dimensions.",
        "v0.136.0",
        enabled=True,
    ),
    Gate(LEGACY_METRIC_NAMES, Stage.ALPHA, "When enabled, connector uses legacy metric names.", "v0.109.0"),
    Gate(
        USE_SECOND_AS_DEFAULT_UNIT,
        Stage.ALPHA,
        "When enabled, connector use second as default unit for duration metrics.",
        "v0.137.0",
    ),
    Gate(
        USE_OTEL_STATUS_PREFIX,
        Stage.ALPHA,
        "When enabled, generated metrics will use `otel.status_code=ERROR` instead of `status.code=STATUS_CODE_ERROR`",
        "v0.141.0",
    ),
)
_DEFAULTS = {gate.id: gate.enabled for gate in GATES}


def is_enabled(gate_id: str, registry: Registry = GLOBAL) -> bool:
    gate = registry.get(gate_id)
    return gate.enabled if gate is not None else _DEFAULTS[gate_id]


@dataclass(frozen=True)
class GateStates:
    """The gates that change what the connector emits, read once when it is created."""

    exclude_resource_metrics: bool = False
    include_collector_instance_id: bool = True
    legacy_metric_names: bool = False
    use_otel_status_prefix: bool = False

    @classmethod
    def current(cls, registry: Registry = GLOBAL) -> GateStates:
        return cls(
            exclude_resource_metrics=is_enabled(EXCLUDE_RESOURCE_METRICS, registry),
            include_collector_instance_id=is_enabled(INCLUDE_COLLECTOR_INSTANCE_ID, registry),
            legacy_metric_names=is_enabled(LEGACY_METRIC_NAMES, registry),
            use_otel_status_prefix=is_enabled(USE_OTEL_STATUS_PREFIX, registry),
        )
