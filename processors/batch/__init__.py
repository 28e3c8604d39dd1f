"""The ``batch`` processor: groups requests by size or time before they go on."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
