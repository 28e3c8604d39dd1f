"""The ``resource`` processor: insert, update, upsert, delete, hash, extract or convert resource
attributes (Go's ``processor/resourceprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
