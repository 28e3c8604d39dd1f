"""The ``resource_detection`` processor (alias ``resourcedetection``): host and platform attributes
detected at start and added to every resource."""

from .factory import create_factory

__all__ = ["create_factory"]
