"""The ``redis`` receiver: metrics from a Redis server's INFO."""

from .factory import create_factory

__all__ = ["create_factory"]
