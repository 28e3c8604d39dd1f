"""Factories per component kind and the registry that finds them."""

from .factory import (
    AnyFactory,
    ConnectorFactory,
    ExporterFactory,
    ExtensionFactory,
    ProcessorFactory,
    ReceiverFactory,
    UnsupportedSignalError,
    all_signals,
)
from .registry import Factories, RegistryError, from_entry_points, from_list

__all__ = [
    "AnyFactory",
    "ConnectorFactory",
    "ExporterFactory",
    "ExtensionFactory",
    "Factories",
    "ProcessorFactory",
    "ReceiverFactory",
    "RegistryError",
    "UnsupportedSignalError",
    "all_signals",
    "from_entry_points",
    "from_list",
]
