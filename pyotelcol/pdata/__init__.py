"""Telemetry data as it flows through pipelines: OTLP request messages plus their wire bytes, and
typed views to read and change them (``pcommon``, ``ptrace``, ``pmetric``, ``plog``)."""

from .data import BY_SIGNAL, MAX_DEPTH, AnyData, InvalidDataError, LimitError, Logs, Metrics, PData, Traces
from .pcommon import Map, ReadOnlyError, Value, ValueSlice, ValueType, any_value, key_value

__all__ = [
    "BY_SIGNAL",
    "MAX_DEPTH",
    "AnyData",
    "InvalidDataError",
    "LimitError",
    "Logs",
    "Map",
    "Metrics",
    "PData",
    "ReadOnlyError",
    "Traces",
    "Value",
    "ValueSlice",
    "ValueType",
    "any_value",
    "key_value",
]
