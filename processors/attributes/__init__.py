"""The ``attributes`` processor: insert, update, upsert, delete, hash, extract or convert the
attributes of spans, log records and metric data points (Go's ``processor/attributesprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
