"""The ``resource_detection`` processor factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.processorhelper import Processor

from .config import Config
from .processor import create_processor
from .provider import ResourceProvider

METADATA = load_metadata(__package__)
TYPE = METADATA.type

# Sections whose own fail_on_missing_metadata Go still reads (OR'd with the top-level one) but deprecates.
_DEPRECATED_FAIL_FLAGS = ("ec2", "alibaba_ecs", "tencent_cvm", "upcloud", "vultr", "nova")


def _provider(settings: Settings, cfg: Any) -> ResourceProvider:
    """One provider per component, shared by the processors of each signal (detection runs once)."""
    if cfg.shared_provider is None:
        logger = settings.telemetry.logger
        deprecated = [name for name in _DEPRECATED_FAIL_FLAGS if cfg.section(name).fail_on_missing_metadata]
        if deprecated:
            logger.warning(
                "per-detector fail_on_missing_metadata fields are deprecated; use the top-level "
                "fail_on_missing_metadata instead",
                extra={"fields": {"affected_detectors": deprecated}},
            )
        cfg.shared_provider = ResourceProvider(cfg, logger)
    provider: ResourceProvider = cfg.shared_provider
    return provider


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> Processor[Any]:
    return create_processor(settings, signal, _provider(settings, cfg), cfg.override, next_consumer)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory.from_metadata(METADATA, Config, create=_create)
