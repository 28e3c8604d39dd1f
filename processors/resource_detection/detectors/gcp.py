"""``gcp``: Google Cloud attributes from the metadata server and the platform's environment.

The metadata server is ``GCE_METADATA_HOST`` (host[:port]) when set (then the host is taken as on
Google Cloud, as Go's metadata client does), else ``169.254.169.254``, probed for the
``Metadata-Flavor: Google`` answer; off Google Cloud nothing is detected. The platform follows
the environment as Go's detector reads it: GKE (``KUBERNETES_SERVICE_HOST``), Cloud Run
(``K_CONFIGURATION``), Cloud Run jobs (``CLOUD_RUN_JOB``), Cloud Functions (``FUNCTION_TARGET``),
App Engine (``GAE_SERVICE``), else Compute Engine. Attributes that cannot be read are left out
(or fail the detector with ``fail_on_missing_metadata``). ``labels`` (GCE instance labels, read
through the Compute API with Google credentials) is accepted and not available here; Bare Metal
Solution is not detected.
"""

from __future__ import annotations

import os
from collections.abc import Callable

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

DEFAULT_HOST = "169.254.169.254"
PROBE_SECONDS = 1.0


def _last(path: str) -> str:
    return path.rsplit("/", 1)[-1]


class MetadataClient:
    def __init__(self, session: aiohttp.ClientSession, host: str, deadline: Deadline) -> None:
        self._session = session
        self._base = f"http://{host}/computeMetadata/v1/"
        self._root = f"http://{host}"
        self._deadline = deadline

    async def on_gce(self) -> bool:
        try:
            async with self._session.get(
                self._root, headers={"Metadata-Flavor": "Google"}, timeout=client_timeout(self._deadline, PROBE_SECONDS)
            ) as resp:
                return resp.headers.get("Metadata-Flavor") == "Google"
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def get(self, path: str) -> str:
        try:
            async with self._session.get(
                self._base + path,
                headers={"Metadata-Flavor": "Google"},
                timeout=client_timeout(self._deadline, PROBE_SECONDS),
            ) as resp:
                if resp.status != 200:
                    raise MetadataUnavailable(f"metadata: GCE metadata {path!r} not defined (status {resp.status})")
                return (await resp.text()).strip()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MetadataUnavailable(f"metadata: reading {path!r}: {exc or type(exc).__name__}") from None


def platform() -> str:
    env = os.environ
    if "KUBERNETES_SERVICE_HOST" in env:
        return "gke"
    if "K_CONFIGURATION" in env:
        return "cloud_run"
    if "CLOUD_RUN_JOB" in env:
        return "cloud_run_job"
    if "FUNCTION_TARGET" in env:
        return "cloud_functions"
    if "GAE_SERVICE" in env:
        return "app_engine_standard" if env.get("GAE_ENV") == "standard" else "app_engine_flex"
    return "gce"


class GCPDetector:
    def __init__(self, ctx: DetectorContext) -> None:
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata
        if ctx.section.labels:
            self._logger.warning("gcp detector: 'labels' need the Compute Engine API, which pyotelcol does not call")

    async def detect(self, deadline: Deadline) -> Detected:
        host = os.environ.get("GCE_METADATA_HOST", "")
        async with aiohttp.ClientSession() as session:
            md = MetadataClient(session, host or DEFAULT_HOST, deadline)
            if not host and not await md.on_gce():
                return Detected()
            return await self._detect(md)

    async def _detect(self, md: MetadataClient) -> Detected:
        rb = ResourceBuilder(self._section)
        errors: list[str] = []

        async def put(name: str, path: str, convert: Callable[[str], str] = str) -> str | None:
            if not rb.enabled(name):
                return None
            try:
                value = convert(await md.get(path))
            except MetadataUnavailable as exc:
                errors.append(str(exc))
                return None
            rb.set(name, value)
            return value

        rb.set("cloud.provider", "gcp")
        await put("cloud.account.id", "project/project-id")
        kind = platform()
        env = os.environ
        if kind == "gke":
            rb.set("cloud.platform", "gcp_kubernetes_engine")
            await self._gke_location(md, rb, errors)
            await put("k8s.cluster.name", "instance/attributes/cluster-name")
            await put("host.id", "instance/id")
            try:
                rb.set("host.name", await md.get("instance/name"))
            except MetadataUnavailable as exc:
                self._logger.info(
                    "Fallible detector failed. This attribute will not be available. key=host.name: %s", exc
                )
        elif kind in ("cloud_run", "cloud_run_job", "cloud_functions"):
            rb.set("cloud.platform", "gcp_cloud_functions" if kind == "cloud_functions" else "gcp_cloud_run")
            name = env.get("CLOUD_RUN_JOB" if kind == "cloud_run_job" else "K_SERVICE", "")
            if not name and kind == "cloud_functions":
                name = env.get("FUNCTION_NAME", "")
            rb.set("faas.name", name)
            if kind == "cloud_run_job":
                rb.set("gcp.cloud_run.job.execution", env.get("CLOUD_RUN_EXECUTION", ""))
                rb.set("gcp.cloud_run.job.task_index", env.get("CLOUD_RUN_TASK_INDEX", ""))
            else:
                rb.set("faas.version", env.get("K_REVISION", ""))
            await put("faas.instance", "instance/id")
            await put("cloud.region", "instance/region", _last)
        elif kind.startswith("app_engine"):
            rb.set("cloud.platform", "gcp_app_engine")
            rb.set("faas.name", env.get("GAE_SERVICE", ""))
            rb.set("faas.version", env.get("GAE_VERSION", ""))
            rb.set("faas.instance", env.get("GAE_INSTANCE", ""))
            await self._zone_and_region(md, rb, errors)
        else:
            rb.set("cloud.platform", "gcp_compute_engine")
            await self._zone_and_region(md, rb, errors)
            await put("host.type", "instance/machine-type", _last)
            await put("host.id", "instance/id")
            await put("host.name", "instance/name")
            await put("gcp.gce.instance.hostname", "instance/hostname")
            await put("gcp.gce.instance.name", "instance/name")
            await self._instance_group(md, rb)
        if errors and self._fail:
            raise DetectionError("; ".join(errors))
        return rb.emit(SCHEMA_URL)

    async def _zone_and_region(self, md: MetadataClient, rb: ResourceBuilder, errors: list[str]) -> None:
        try:
            zone = _last(await md.get("instance/zone"))
        except MetadataUnavailable as exc:
            errors.append(str(exc))
            return
        parts = zone.split("-", 2)
        if len(parts) != 3:
            errors.append(f"zone was not in the expected format: country-region-zone.  Got {zone}")
            return
        rb.set("cloud.availability_zone", zone)
        rb.set("cloud.region", "-".join(parts[:2]))

    async def _gke_location(self, md: MetadataClient, rb: ResourceBuilder, errors: list[str]) -> None:
        try:
            location = await md.get("instance/attributes/cluster-location")
        except MetadataUnavailable as exc:
            errors.append(str(exc))
            return
        dashes = location.count("-")
        if dashes == 1:
            rb.set("cloud.region", location)
        elif dashes == 2:
            rb.set("cloud.availability_zone", location)
        else:
            errors.append(f"unrecognized format for cluster location: {location}")

    async def _instance_group(self, md: MetadataClient, rb: ResourceBuilder) -> None:
        try:
            created_by = await md.get("instance/attributes/created-by")
        except MetadataUnavailable:
            return  # not in a managed instance group
        parts = created_by.split("/")
        if len(parts) == 6 and parts[4] == "instanceGroupManagers":
            rb.set("gcp.gce.instance_group_manager.name", parts[5])
            if parts[2] == "zones":
                rb.set("gcp.gce.instance_group_manager.zone", parts[3])
            elif parts[2] == "regions":
                rb.set("gcp.gce.instance_group_manager.region", parts[3])
