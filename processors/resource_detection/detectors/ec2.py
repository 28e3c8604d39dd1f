"""``ec2``: cloud and host attributes from the EC2 instance metadata service (IMDS).

As the AWS SDK does: ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` overrides the endpoint
(``http://169.254.169.254``), ``AWS_EC2_METADATA_DISABLED=true`` turns IMDS off, and an IMDSv2
session token is asked for first (a 403/404/405 answer falls back to IMDSv1). When
``instance-id`` cannot be read the host is taken as not on EC2: nothing is detected, or the
detector fails with ``fail_on_missing_metadata``. Tags (``tags``: key regular expressions) are read
from IMDS (``tags_from_imds: true``); the EC2 ``DescribeTags`` API, Go's default, needs the AWS
SDK's signed requests and is not available here (a warning says so).
"""

from __future__ import annotations

import json
import os
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

DEFAULT_ENDPOINT = "http://169.254.169.254"
TOKEN_TTL = "21600"
TAG_PREFIX = "ec2.tag."
# A metadata service answers in milliseconds; off EC2 the address usually does not answer at all.
PROBE_SECONDS = 1.0


class _HTTPStatusError(MetadataUnavailable):
    def __init__(self, path: str, status: int) -> None:
        super().__init__(f"failed to get {path} from IMDS: status code {status}")
        self.status = status


class IMDSClient:
    def __init__(self, session: aiohttp.ClientSession, endpoint: str, deadline: Deadline) -> None:
        self._session = session
        self._endpoint = endpoint.rstrip("/")
        self._deadline = deadline
        self._token: str | None = None
        self._token_tried = False

    async def _ensure_token(self) -> None:
        if self._token_tried:
            return
        self._token_tried = True
        url = self._endpoint + "/latest/api/token"
        try:
            async with self._session.put(
                url,
                headers={"X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL},
                timeout=client_timeout(self._deadline, PROBE_SECONDS),
            ) as resp:
                if resp.status == 200:
                    self._token = (await resp.text()).strip()
                elif resp.status not in (403, 404, 405):
                    raise _HTTPStatusError("api/token", resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MetadataUnavailable(f"failed to get API token from IMDS: {exc or type(exc).__name__}") from None

    async def get(self, path: str) -> str:
        await self._ensure_token()
        headers = {"X-aws-ec2-metadata-token": self._token} if self._token else {}
        try:
            async with self._session.get(
                f"{self._endpoint}/latest/{path}",
                headers=headers,
                timeout=client_timeout(self._deadline, PROBE_SECONDS),
            ) as resp:
                if resp.status != 200:
                    raise _HTTPStatusError(path, resp.status)
                return await resp.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MetadataUnavailable(f"failed to get {path} from IMDS: {exc or type(exc).__name__}") from None


class EC2Detector:
    def __init__(self, ctx: DetectorContext) -> None:
        section = ctx.section
        self._section = section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata or section.fail_on_missing_metadata
        self._tags = [re.compile(p) for p in section.tags]
        self._tags_from_imds = section.tags_from_imds
        if self._tags and not self._tags_from_imds:
            self._logger.warning(
                "ec2 detector: 'tags' need the EC2 DescribeTags API, which pyotelcol does not call; "
                "set 'tags_from_imds: true' to read the tags from the instance metadata service"
            )

    async def detect(self, deadline: Deadline) -> Detected:
        if os.environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true":
            return self._not_on_ec2(MetadataUnavailable("access disabled to EC2 IMDS via AWS_EC2_METADATA_DISABLED"))
        endpoint = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or DEFAULT_ENDPOINT
        async with aiohttp.ClientSession() as session:
            imds = IMDSClient(session, endpoint, deadline)
            try:
                await imds.get("meta-data/instance-id")
            except MetadataUnavailable as exc:
                return self._not_on_ec2(exc)
            try:
                document: dict[str, Any] = _json(await imds.get("dynamic/instance-identity/document"))
            except MetadataUnavailable as exc:
                # Other clouds (OpenStack Nova) serve instance-id but not the identity document (404).
                if self._fail or not (isinstance(exc, _HTTPStatusError) and exc.status == 404):
                    raise DetectionError(f"failed getting identity document: {exc}") from None
                return Detected()
            hostname: str | None = None
            try:
                hostname = await imds.get("meta-data/hostname")
            except MetadataUnavailable as exc:
                if self._fail:
                    raise DetectionError(f"failed getting hostname: {exc}") from None
            rb = ResourceBuilder(self._section)
            rb.set("cloud.provider", "aws")
            rb.set("cloud.platform", "aws_ec2")
            rb.set("cloud.region", str(document.get("region", "")))
            rb.set("cloud.account.id", str(document.get("accountId", "")))
            rb.set("cloud.availability_zone", str(document.get("availabilityZone", "")))
            rb.set("host.id", str(document.get("instanceId", "")))
            rb.set("host.image.id", str(document.get("imageId", "")))
            rb.set("host.type", str(document.get("instanceType", "")))
            if hostname is not None:
                rb.set("host.name", hostname)
            detected = rb.emit(SCHEMA_URL)
            if self._tags and self._tags_from_imds:
                detected.attributes.update(await self._imds_tags(imds))
            return detected

    async def _imds_tags(self, imds: IMDSClient) -> dict[str, str]:
        out: dict[str, str] = {}
        try:
            keys = [k.strip() for k in (await imds.get("meta-data/tags/instance")).split("\n") if k.strip()]
        except MetadataUnavailable as exc:
            self._logger.debug("failed to fetch tags from IMDS: %s", exc)
            return out
        for key in keys:
            if any(p.search(key) for p in self._tags):
                try:
                    out[TAG_PREFIX + key] = await imds.get(f"meta-data/tags/instance/{key}")
                except MetadataUnavailable as exc:
                    self._logger.debug("failed to get tag value for key %r: %s", key, exc)
        return out

    def _not_on_ec2(self, exc: MetadataUnavailable) -> Detected:
        if self._fail:
            raise DetectionError(str(exc))
        self._logger.debug("EC2 metadata unavailable: %s", exc)
        return Detected()


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise MetadataUnavailable(f"failed to decode the instance identity document: {exc}") from None
    if not isinstance(value, dict):
        raise MetadataUnavailable("failed to decode the instance identity document: not a JSON object")
    return value
