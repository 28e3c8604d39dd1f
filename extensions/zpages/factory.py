"""zpages factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Component, Settings, StabilityLevel
from pyotelcol.factories import ExtensionFactory
from pyotelcol.factories.factory import WorkerPolicy

from .config import Config
from .extension import ZPagesExtension

TYPE = "zpages"


def create_default_config() -> Config:
    return Config()


def _create(settings: Settings, cfg: Any) -> Component:
    return ZPagesExtension(settings, cfg)


def create_factory() -> ExtensionFactory:
    return ExtensionFactory(
        TYPE,
        create_default_config,
        create=_create,
        stability=StabilityLevel.BETA,
        worker_policy=WorkerPolicy.FIRST_WORKER,
    )
