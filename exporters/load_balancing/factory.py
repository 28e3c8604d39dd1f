"""Factory of the ``load_balancing`` exporter (alias ``loadbalancing``): traces and logs beta,
metrics development, as Go's."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.factory import UnsupportedSignalError
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.exporterhelper import ExporterHelper

from .balancer import LoadBalancer
from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type
DEPRECATED_ALIAS = METADATA.deprecated_alias


class CreateError(UnsupportedSignalError):
    """A config this signal refuses (a routing key it has not) or a resolver that cannot run here;
    the pipeline builder reports it as Go does: ``failed to create "<id>" exporter for data type
    "<signal>": <message>``, at ``validate`` time too."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)


def _create(settings: Settings, signal: Signal, cfg: Any) -> ExporterHelper:
    try:
        lb = LoadBalancer(settings, signal, cfg)
    except (ValueError, OSError) as exc:
        raise CreateError(str(exc)) from None
    return ExporterHelper(
        settings,
        signal,
        lb.push,
        timeout=cfg.timeout,
        retry=cfg.retry_on_failure,
        queue=cfg.sending_queue,
        start=lb.start,
        shutdown=lb.shutdown,
    )


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
