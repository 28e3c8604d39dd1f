"""The ``file`` exporter: writes OTLP requests to a file as JSON lines or length-prefixed messages."""

from .factory import create_factory
from .reader import read_file

__all__ = ["create_factory", "read_file"]
