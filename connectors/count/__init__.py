"""The ``count`` connector: counts spans, span events, metrics, data points and log records."""

from .factory import create_factory

__all__ = ["create_factory"]
