"""``azure``: VM attributes from the Azure instance metadata service.

``GET http://169.254.169.254/metadata/instance/compute?api-version=2020-09-01&format=json`` with
``Metadata: true``. When it does not answer 200 the host is taken as not on Azure: nothing is
detected, or the detector fails with ``fail_on_missing_metadata``. ``tags`` (key regular
expressions) add ``azure.tag.<key>`` attributes. The resource group goes in
``azure.resourcegroup.name`` (Go's default; Go's feature gate
``processor.azuredetector.RenameResourceGroupAttribute`` is not offered here).
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from .base import (
    SCHEMA_URL,
    Deadline,
    Detected,
    DetectionError,
    DetectorContext,
    MetadataUnavailable,
    ResourceBuilder,
    client_timeout,
)

ENDPOINT = "http://169.254.169.254/metadata/instance/compute"
TAG_PREFIX = "azure.tag."
PROBE_SECONDS = 1.0


class AzureDetector:
    def __init__(self, ctx: DetectorContext, endpoint: str = ENDPOINT) -> None:
        self._endpoint = endpoint
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata
        self._tags = [re.compile(p) for p in ctx.section.tags]

    async def _compute(self, deadline: Deadline) -> dict[str, Any]:
        params = {"api-version": "2020-09-01", "format": "json"}
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    self._endpoint,
                    params=params,
                    headers={"Metadata": "true"},
                    timeout=client_timeout(deadline, PROBE_SECONDS),
                ) as resp,
            ):
                if resp.status != 200:
                    raise MetadataUnavailable(f"Azure IMDS replied with status code: {resp.status} {resp.reason}")
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MetadataUnavailable(f"failed to query Azure IMDS: {exc or type(exc).__name__}") from None
        except ValueError as exc:
            raise MetadataUnavailable(f"failed to decode Azure IMDS reply: {exc}") from None
        if not isinstance(body, dict):
            raise MetadataUnavailable("failed to decode Azure IMDS reply: not a JSON object")
        return body

    async def detect(self, deadline: Deadline) -> Detected:
        try:
            compute = await self._compute(deadline)
        except MetadataUnavailable as exc:
            if self._fail:
                raise DetectionError(f"azure metadata unavailable: {exc}") from None
            self._logger.debug("Azure detector metadata retrieval failed: %s", exc)
            return Detected()
        rb = ResourceBuilder(self._section)
        rb.set("cloud.provider", "azure")
        rb.set("cloud.platform", "azure.vm")
        computer = str((compute.get("osProfile") or {}).get("computerName", ""))
        name = str(compute.get("name", ""))
        if computer or name:
            rb.set("host.name", computer or name)
        rb.set("cloud.region", str(compute.get("location", "")))
        rb.set("host.id", str(compute.get("vmId", compute.get("vmID", ""))))
        rb.set("cloud.account.id", str(compute.get("subscriptionId", compute.get("subscriptionID", ""))))
        if compute.get("zone"):
            rb.set("cloud.availability_zone", str(compute["zone"]))
        rb.set("azure.vm.name", name)
        rb.set("azure.vm.size", str(compute.get("vmSize", "")))
        if compute.get("vmScaleSetName"):
            rb.set("azure.vm.scaleset.name", str(compute["vmScaleSetName"]))
        rb.set("azure.resourcegroup.name", str(compute.get("resourceGroupName", "")))
        detected = rb.emit(SCHEMA_URL)
        for tag in compute.get("tagsList") or []:
            key = str(tag.get("name", ""))
            if any(p.search(key) for p in self._tags):
                detected.attributes[TAG_PREFIX + key] = str(tag.get("value", ""))
        return detected
