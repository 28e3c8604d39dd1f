"""The ``zipkin`` receiver: Zipkin v1 JSON and v2 JSON/protobuf spans over HTTP (9411)."""

from .factory import create_factory

__all__ = ["create_factory"]
