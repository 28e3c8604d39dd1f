"""The ``file_log`` receiver (alias ``filelog``): tails files, runs stanza operators, emits logs."""

from .factory import create_factory

__all__ = ["create_factory"]
