"""The ``postgresql`` receiver: metrics from PostgreSQL's statistics views."""

from .factory import create_factory

__all__ = ["create_factory"]
