"""zpages extension: in-process debug pages (servicez, pipelinez, extensionz, featurez)."""

from .factory import create_factory

__all__ = ["create_factory"]
