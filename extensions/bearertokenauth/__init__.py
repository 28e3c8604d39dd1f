"""bearertokenauth extension: a static bearer token for servers (check) and clients (send)."""

from .factory import create_factory

__all__ = ["create_factory"]
