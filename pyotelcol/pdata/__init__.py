"""Telemetry data as it flows through pipelines: OTLP request messages plus their wire bytes."""

from .data import BY_SIGNAL, AnyData, InvalidDataError, Logs, Metrics, PData, ReadOnlyError, Traces

__all__ = ["BY_SIGNAL", "AnyData", "InvalidDataError", "Logs", "Metrics", "PData", "ReadOnlyError", "Traces"]
