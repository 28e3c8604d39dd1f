"""Puts the detected attributes on every resource of every request (Go's processTraces & co).

With ``override`` detected values replace the data's own; without, only missing keys are added.
The entry's schema URL is set to the detectors' when it has none. A request whose resources
already carry everything is handed on untouched (its wire bytes kept). When there is no schema URL
to set, only the resources are decoded (``edit_resources``); otherwise each entry is edited through
the views.
"""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.pcommon import Map, Resource
from pyotelcol.pdata.splice import edit_resources

from .provider import ResourceProvider, Snapshot


def merge_into(target: Map, detected: dict[str, Any], override: bool) -> None:
    """Go's MergeResource on a resource's attribute map."""
    for key, value in detected.items():
        current = target.get(key)
        if current is None or (override and current.as_raw() != value):
            target.put(key, value)


class ResourceDetection:
    def __init__(self, provider: ResourceProvider, override: bool) -> None:
        self._provider = provider
        self._override = override

    async def start(self, host: Host) -> None:
        await self._provider.acquire()

    async def shutdown(self) -> None:
        await self._provider.release()

    async def __call__(self, data: AnyData) -> AnyData:
        snapshot = self._provider.get()
        if snapshot.schema_url:
            self._apply_with_schema(data, snapshot)
        elif snapshot.attributes:

            def edit(resource: Resource) -> None:
                merge_into(resource.attributes, snapshot.attributes, self._override)

            edit_resources(data, edit)
        return data

    def _apply_with_schema(self, data: AnyData, snapshot: Snapshot) -> None:
        for entry in getattr(data, data.resource_field):
            if not entry.schema_url:
                entry.schema_url = snapshot.schema_url
            if snapshot.attributes:
                merge_into(entry.resource.attributes, snapshot.attributes, self._override)


def create_processor(
    settings: Settings, signal: Signal, provider: ResourceProvider, override: bool, next_consumer: Consumer
) -> Processor[Any]:
    stage = ResourceDetection(provider, override)
    return Processor(
        settings, signal, next_consumer, stage, mutates_data=True, start=stage.start, shutdown=stage.shutdown
    )
