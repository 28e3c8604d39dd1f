"""Factory of the ``basicauth`` extension (beta): a server or a client authenticator."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Component, Settings, StabilityLevel
from pyotelcol.factories import ExtensionFactory

from .config import Config
from .extension import BasicAuthClient, BasicAuthServer

TYPE = "basicauth"


def create_default_config() -> Config:
    return Config()


def _create(settings: Settings, cfg: Any) -> Component:
    config: Config = cfg
    htpasswd = config.htpasswd.get()
    if htpasswd is not None:
        return BasicAuthServer(settings, htpasswd)
    client = config.client_auth.get()
    if client is None:
        raise ValueError("no credential source provided")
    return BasicAuthClient(settings, client)


def create_factory() -> ExtensionFactory:
    return ExtensionFactory(TYPE, create_default_config, create=_create, stability=StabilityLevel.BETA)
