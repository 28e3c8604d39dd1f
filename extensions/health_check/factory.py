"""health_check factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Component, Settings, StabilityLevel
from pyotelcol.factories import ExtensionFactory
from pyotelcol.factories.factory import WorkerPolicy

from .config import Config
from .extension import HealthCheckExtension

TYPE = "health_check"


def create_default_config() -> Config:
    return Config()


def _create(settings: Settings, cfg: Any) -> Component:
    return HealthCheckExtension(settings, cfg)


def create_factory() -> ExtensionFactory:
    return ExtensionFactory(
        TYPE,
        create_default_config,
        create=_create,
        stability=StabilityLevel.ALPHA,
        worker_policy=WorkerPolicy.FIRST_WORKER,
    )
