"""The ``prometheus`` exporter: serves the metrics it receives on ``/metrics`` for Prometheus to
scrape."""

from .factory import create_factory

__all__ = ["create_factory"]
