"""Identifiers, stability levels and the lifecycle contract of components."""

from .component import (
    BuildInfo,
    Component,
    Host,
    PipelineInfo,
    PipelineWatcher,
    ServiceInfo,
    Settings,
    Status,
    TelemetrySettings,
)
from .ids import ID, IDError, Kind, PipelineID, Signal, StabilityLevel, validate_type

__all__ = [
    "ID",
    "BuildInfo",
    "Component",
    "Host",
    "IDError",
    "Kind",
    "PipelineID",
    "PipelineInfo",
    "PipelineWatcher",
    "ServiceInfo",
    "Settings",
    "Signal",
    "StabilityLevel",
    "Status",
    "TelemetrySettings",
    "validate_type",
]
