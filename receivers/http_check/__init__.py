"""The ``http_check`` receiver (alias ``httpcheck``): synthetic checks of HTTP endpoints."""

from .factory import create_factory

__all__ = ["create_factory"]
