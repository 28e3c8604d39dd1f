"""The ``prometheus`` receiver: scrapes Prometheus endpoints into OTLP metrics."""

from .factory import create_factory

__all__ = ["create_factory"]
