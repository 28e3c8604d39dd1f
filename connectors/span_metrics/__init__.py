"""The ``span_metrics`` connector (alias ``spanmetrics``): request, error and duration metrics
aggregated from spans."""

from .factory import create_factory

__all__ = ["create_factory"]
