"""The ``filter`` processor: drops spans, span events, metrics, data points and log records that
match OTTL conditions or legacy include/exclude properties."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
