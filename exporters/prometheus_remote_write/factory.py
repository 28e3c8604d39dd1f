"""Factory of the ``prometheus_remote_write`` exporter (beta for metrics; alias
``prometheusremotewrite``)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.config import OptionalSection
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.exporterhelper import ExporterHelper, QueueConfig

from .config import Config
from .exporter import RemoteWriteExporter

METADATA = load_metadata(__package__)
TYPE = METADATA.type
DEPRECATED_ALIAS = METADATA.deprecated_alias


def _queue(cfg: Config) -> OptionalSection[QueueConfig]:
    """``remote_write_queue`` as the exporterhelper queue: one consumer (Go's default without its
    EnableMultipleWorkers gate, so batches stay in order), ``queue_size`` requests."""
    queue = QueueConfig(num_consumers=1, queue_size=max(cfg.remote_write_queue.queue_size, 1), sizer="requests")
    enabled = cfg.remote_write_queue.enabled
    return OptionalSection.some(queue) if enabled else OptionalSection.default(queue)


def _create(settings: Settings, signal: Signal, cfg: Any) -> ExporterHelper:
    logger = settings.telemetry.logger
    if cfg.remote_write_queue.num_consumers != 5:
        logger.warning(
            "`remote_write_queue.num_consumers` will be used to configure processing parallelism, rather than "
            "request parallelism in a future release. This may cause out-of-order issues unless you take action. "
            "Please migrate to using `max_batch_request_parallelism` to keep the your existing behavior."
        )
    if not cfg.add_metric_suffixes:
        logger.warning(
            "`add_metric_suffixes` is deprecated. Please use `translation_strategy: UnderscoreEscapingWithoutSuffixes` "
            "instead."
        )
    if cfg.resource_constant_labels.is_empty() and not cfg.resource_to_telemetry_conversion.is_empty():
        logger.warning("resource_to_telemetry_conversion is deprecated; use resource_constant_labels instead")
    exporter = RemoteWriteExporter(settings, cfg)
    # No exporterhelper timeout: `timeout` bounds each POST (Go sets the helper's to 0).
    return ExporterHelper(
        settings,
        signal,
        exporter.push,
        timeout=None,
        retry=cfg.retry_on_failure,
        queue=_queue(cfg),
        start=exporter.start,
        shutdown=exporter.shutdown,
    )


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
