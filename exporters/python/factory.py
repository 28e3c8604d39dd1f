"""The ``python`` exporter factory: the user's function as the push of an ExporterHelper."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.exporterhelper import ExporterHelper
from pyotelcol.helpers.pyfunction import FunctionCall
from pyotelcol.pdata import AnyData

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any) -> ExporterHelper:
    call = FunctionCall.of(cfg)

    async def push(data: AnyData) -> None:
        # The queue may hand the same data to a retry: the function must not keep it.
        await call(data)

    # The function's own time limit is the helper's timeout: a slow send fails and is retried.
    return ExporterHelper(settings, signal, push, timeout=None, retry=cfg.retry_on_failure, queue=cfg.sending_queue)


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
