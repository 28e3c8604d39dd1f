"""The ``debug`` exporter: writes a summary or a readable dump of the data to the log."""

from .factory import create_factory

__all__ = ["create_factory"]
