"""The ``otlp_grpc`` exporter (alias ``otlp``): OTLP over gRPC, sending the received wire bytes."""

from .factory import create_factory

__all__ = ["create_factory"]
