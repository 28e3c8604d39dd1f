"""headers_setter extension: per-request outgoing headers from the data's client (contrib headerssetterextension)."""

from .factory import create_factory

__all__ = ["create_factory"]
