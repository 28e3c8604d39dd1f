"""basicauth extension: HTTP Basic authentication, server side (htpasswd) or client side."""

from .factory import create_factory

__all__ = ["create_factory"]
