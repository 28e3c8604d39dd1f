"""The ``nop`` receiver: a placeholder that never emits data."""

from .factory import create_factory

__all__ = ["create_factory"]
