"""python connector: a plain Python function turns one pipeline's data into another's."""

from .factory import create_factory

__all__ = ["create_factory"]
