"""oidc extension: a server authenticator checking OpenID Connect JWTs (Go's oidcauthextension)."""

from .factory import create_factory

__all__ = ["create_factory"]
