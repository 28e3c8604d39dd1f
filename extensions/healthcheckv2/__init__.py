"""healthcheckv2 extension: component-status health over HTTP and gRPC (contrib healthcheckv2extension)."""

from .factory import create_factory

__all__ = ["create_factory"]
