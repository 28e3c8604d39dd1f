"""opamp factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Component, Settings
from pyotelcol.factories import ExtensionFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .extension import OpAMPExtension

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def create_default_config() -> Config:
    return Config()


def _create(settings: Settings, cfg: Any) -> Component:
    return OpAMPExtension(settings, cfg)


def create_factory() -> ExtensionFactory:
    return ExtensionFactory.from_metadata(METADATA, create_default_config, create=_create)
