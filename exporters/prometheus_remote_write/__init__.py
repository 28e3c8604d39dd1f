"""The ``prometheus_remote_write`` exporter (alias ``prometheusremotewrite``): OTLP metrics sent
as Prometheus remote-write 1.0 requests (snappy-compressed protobuf)."""

from .factory import create_factory

__all__ = ["create_factory"]
