"""opamp extension: an OpAMP client reporting this collector to a fleet management server."""

from .factory import create_factory

__all__ = ["create_factory"]
