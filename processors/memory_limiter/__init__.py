"""The ``memory_limiter`` processor: refuses data while the process uses too much memory."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
