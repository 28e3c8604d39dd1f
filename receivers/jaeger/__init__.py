"""The ``jaeger`` receiver: Jaeger spans over gRPC (14250), Thrift over HTTP (14268) and the agent's UDP ports (6831 compact, 6832 binary)."""

from .factory import create_factory

__all__ = ["create_factory"]
