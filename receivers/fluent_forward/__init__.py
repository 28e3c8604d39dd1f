"""The ``fluent_forward`` receiver (alias ``fluentforward``): Fluent Forward protocol events as logs."""

from .factory import create_factory

__all__ = ["create_factory"]
