"""The ``load_balancing`` exporter (alias ``loadbalancing``): consistent-hash routing of spans,
metrics and logs over OTLP/gRPC backends found by a static list, DNS or Kubernetes."""

from .factory import create_factory

__all__ = ["create_factory"]
