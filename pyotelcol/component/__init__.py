"""Identifiers, stability levels and the lifecycle contract of components."""

from .component import (
    BuildInfo,
    Component,
    ConfigRejected,
    Host,
    InstanceID,
    PipelineInfo,
    PipelineWatcher,
    Reconfigurable,
    ServiceInfo,
    Settings,
    Status,
    StatusEvent,
    StatusWatcher,
    TelemetrySettings,
)
from .ids import ID, IDError, Kind, PipelineID, Signal, StabilityLevel, validate_type

__all__ = [
    "ID",
    "BuildInfo",
    "Component",
    "ConfigRejected",
    "Host",
    "IDError",
    "InstanceID",
    "Kind",
    "PipelineID",
    "PipelineInfo",
    "PipelineWatcher",
    "Reconfigurable",
    "ServiceInfo",
    "Settings",
    "Signal",
    "StabilityLevel",
    "Status",
    "StatusEvent",
    "StatusWatcher",
    "TelemetrySettings",
    "validate_type",
]
