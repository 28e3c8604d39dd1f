"""Interfaces that extensions offer to other components (looked up by ID through the host)."""

from .auth import AuthError, ClientAuthenticator, ServerAuthenticator, find_authenticator
from .storage import StorageClient, StorageExtension, find_storage

__all__ = [
    "AuthError",
    "ClientAuthenticator",
    "ServerAuthenticator",
    "StorageClient",
    "StorageExtension",
    "find_authenticator",
    "find_storage",
]
