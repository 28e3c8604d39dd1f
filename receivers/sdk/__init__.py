"""sdk receiver: the entry point of an embedded collector for the host program's own SDK."""

from .factory import create_factory

__all__ = ["create_factory"]
