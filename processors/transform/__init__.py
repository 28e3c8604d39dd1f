"""The ``transform`` processor: OTTL statements that change traces, metrics and logs."""

from .factory import create_factory

__all__ = ["create_factory"]
