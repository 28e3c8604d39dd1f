"""The error raised for Jaeger input that Go's receiver rejects."""

from __future__ import annotations


class JaegerDecodeError(ValueError):
    """The bytes are not a valid Jaeger thrift/protobuf message, or carry values Go refuses."""
