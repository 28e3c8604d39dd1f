"""The ``otlp`` receiver: OTLP over gRPC (4317) and HTTP (4318), protobuf and JSON."""

from .factory import create_factory

__all__ = ["create_factory"]
