"""The ``python`` processor: a processor written as a plain Python function, declared in YAML."""

from .factory import create_factory

__all__ = ["create_factory"]
