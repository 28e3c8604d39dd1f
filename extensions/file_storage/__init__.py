"""file_storage extension: durable key-value storage per component (contrib filestorage), on SQLite."""

from .factory import create_factory

__all__ = ["create_factory"]
