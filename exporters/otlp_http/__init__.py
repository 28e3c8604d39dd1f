"""The ``otlp_http`` exporter (alias ``otlphttp``): OTLP over HTTP, protobuf or JSON."""

from .factory import create_factory

__all__ = ["create_factory"]
