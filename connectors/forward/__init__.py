"""The ``forward`` connector: passes data from one pipeline into others of the same signal."""

from .factory import create_factory

__all__ = ["create_factory"]
