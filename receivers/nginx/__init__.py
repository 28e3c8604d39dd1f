"""The ``nginx`` receiver: metrics from nginx's ``stub_status`` page."""

from .factory import create_factory

__all__ = ["create_factory"]
