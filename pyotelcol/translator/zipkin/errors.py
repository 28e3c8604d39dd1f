"""The error the Zipkin translators raise for input the Go collector refuses."""

from __future__ import annotations

__all__ = ["ZipkinError"]


class ZipkinError(ValueError):
    """Zipkin input that Go's translator refuses; ``str()`` is Go's error text, which the
    receiver sends back with a 400 response."""
