"""The collector's own telemetry: ``service.telemetry`` config, logs, metrics, Prometheus exposition."""

from .config import MetricsLevel, TelemetryConfig
from .logs import FieldsLogger
from .runtime import Telemetry, build_resource

__all__ = ["FieldsLogger", "MetricsLevel", "Telemetry", "TelemetryConfig", "build_resource"]
