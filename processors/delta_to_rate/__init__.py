"""The ``delta_to_rate`` processor: turns the named delta sums into per-second rate gauges (Go's
``processor/deltatorateprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
