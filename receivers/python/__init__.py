"""python receiver: a plain Python function produces the data the pipelines get."""

from .factory import create_factory

__all__ = ["create_factory"]
