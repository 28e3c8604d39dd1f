"""The ``host_metrics`` receiver (alias ``hostmetrics``): metrics of the host it runs on."""

from .factory import create_factory

__all__ = ["create_factory"]
