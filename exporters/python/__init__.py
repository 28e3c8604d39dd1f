"""python exporter: a plain Python function sends the data, with the exporter helper's queue and retry."""

from .factory import create_factory

__all__ = ["create_factory"]
