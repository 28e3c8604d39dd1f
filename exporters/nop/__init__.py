"""The ``nop`` exporter: accepts every request and drops it."""

from .factory import create_factory

__all__ = ["create_factory"]
