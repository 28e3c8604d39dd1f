"""The ``metrics_transform`` processor: renames, copies, combines and regroups metrics and edits
their labels and values (Go's ``processor/metricstransformprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
