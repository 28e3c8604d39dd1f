"""Factory of the ``basicauth`` extension (beta): a server or a client authenticator."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Component, Settings
from pyotelcol.factories import ExtensionFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .extension import BasicAuthClient, BasicAuthServer

METADATA = load_metadata(__package__)
TYPE = METADATA.type


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
    return ExtensionFactory.from_metadata(METADATA, create_default_config, create=_create)
