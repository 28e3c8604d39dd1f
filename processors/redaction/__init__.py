"""The ``redaction`` processor: deletes attributes that are not on an allow list and masks (or
hashes) attribute values that match blocked patterns (Go's ``processor/redactionprocessor``)."""

from .config import Config
from .factory import create_factory

__all__ = ["Config", "create_factory"]
