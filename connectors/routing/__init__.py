"""The ``routing`` connector: sends each item to the pipelines of the first route it matches."""

from .factory import create_factory

__all__ = ["create_factory"]
