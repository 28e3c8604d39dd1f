"""Applies the configured actions to the attributes of every resource.

Only the resources are touched, so the edit goes through ``pdata.splice``: data that still holds
its wire bytes is changed without decoding or re-encoding its spans, data points or log records.
"""

from __future__ import annotations

from typing import Any

from pyotelcol import client
from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.attraction import AttrProc
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.pcommon import Resource
from pyotelcol.pdata.splice import edit_resources


def create_processor(settings: Settings, signal: Signal, proc: AttrProc, next_consumer: Consumer) -> Processor[Any]:
    async def process(data: AnyData) -> AnyData:
        info = client.from_context() if proc.uses_context else None

        def edit(resource: Resource) -> None:
            proc.process(resource.attributes, info)

        edit_resources(data, edit)
        return data

    return Processor(settings, signal, next_consumer, process, mutates_data=True)
