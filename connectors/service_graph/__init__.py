"""The ``service_graph`` connector (alias ``servicegraph``): request, failure and latency metrics
of the edges between services, paired from client and server spans."""

from .factory import create_factory

__all__ = ["create_factory"]
