"""``docker``: ``host.name`` and ``os.type`` of the Docker host, asked of the Docker daemon.

The daemon is found as the Docker client finds it: ``DOCKER_HOST`` (``unix:///path`` or
``tcp://host:port``), by default ``unix:///var/run/docker.sock``. ``GET /info`` gives the host
name and OS type; with ``container.name`` or ``container.image.name`` enabled, ``GET
/containers/<own hostname>/json`` describes the collector's own container. When the daemon cannot
be reached the detector detects nothing (a warning is logged), or fails with
``fail_on_missing_metadata``.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import quote, urlsplit

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

DEFAULT_HOST = "unix:///var/run/docker.sock"


def daemon_address(docker_host: str) -> tuple[str | None, str]:
    """(unix socket path or None, base URL) for a ``DOCKER_HOST`` value; bad values are errors."""
    parts = urlsplit(docker_host)
    if parts.scheme == "unix":
        if not parts.path:
            raise DetectionError(
                f"failed creating detector: could not initialize Docker client: invalid DOCKER_HOST {docker_host!r}"
            )
        return parts.path, "http://docker"
    if parts.scheme in ("tcp", "http", "https") and parts.netloc:
        scheme = "https" if parts.scheme == "https" else "http"
        return None, f"{scheme}://{parts.netloc}"
    raise DetectionError(
        f"failed creating detector: could not initialize Docker client: unable to parse docker host `{docker_host}`"
    )


class DockerDetector:
    def __init__(self, ctx: DetectorContext) -> None:
        self._socket, self._base = daemon_address(os.environ.get("DOCKER_HOST") or DEFAULT_HOST)
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata

    async def _get(self, session: aiohttp.ClientSession, path: str, what: str, deadline: Deadline) -> Any:
        try:
            async with session.get(self._base + path, timeout=client_timeout(deadline)) as resp:
                if resp.status != 200:
                    body = (await resp.text()).strip()
                    raise MetadataUnavailable(f"{what}: Error response from daemon ({resp.status}): {body}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            where = f"unix://{self._socket}" if self._socket else self._base
            raise MetadataUnavailable(
                f"{what}: cannot reach the Docker daemon at {where}: {exc or type(exc).__name__}"
            ) from None

    async def detect(self, deadline: Deadline) -> Detected:
        rb = ResourceBuilder(self._section)
        connector = aiohttp.UnixConnector(path=self._socket) if self._socket else None
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                if rb.enabled("os.type") or rb.enabled("host.name"):
                    what = (
                        "failed to fetch Docker OS type"
                        if rb.enabled("os.type")
                        else "failed to fetch Docker information"
                    )
                    info = await self._get(session, "/info", what, deadline)
                    rb.set("os.type", _goos(str(info.get("OSType", ""))))
                    rb.set("host.name", str(info.get("Name", "")))
                if rb.enabled("container.name") or rb.enabled("container.image.name"):
                    path = "/containers/" + quote(socket.gethostname(), safe="") + "/json"
                    container = await self._get(session, path, "failed to fetch container information", deadline)
                    rb.set("container.name", str(container.get("Name", "")))
                    rb.set("container.image.name", str(container.get("Image", "")))
        except MetadataUnavailable as exc:
            if self._fail:
                raise DetectionError(f"docker metadata unavailable: {exc}") from None
            self._logger.warning("docker metadata unavailable; the docker detector adds nothing: %s", exc)
            return Detected()
        return rb.emit(SCHEMA_URL)


def _goos(os_type: str) -> str:
    return "dragonflybsd" if os_type == "dragonfly" else os_type
