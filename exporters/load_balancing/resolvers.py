"""Backend resolvers: a fixed list, DNS re-resolution, Kubernetes EndpointSlices.

Each resolver calls ``on_change(endpoints)`` with the sorted endpoint list whenever it may have
changed (the load balancer ignores a list that builds the same ring) and counts its work in Go's
self-metrics ``otelcol_loadbalancer_num_resolutions`` (``resolver``, ``success``),
``otelcol_loadbalancer_num_backends`` and ``otelcol_loadbalancer_num_backend_updates``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from pyotelcol.component import Settings
from pyotelcol.helpers.exporterhelper.gauges import GaugeHandle, register_gauge, unregister_all

from .config import DEFAULT_PORT, DNSResolver, K8sResolver, StaticResolver

OnChange = Callable[[list[str]], Awaitable[None]]

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
#: a plain base URL of a Kubernetes API server (no token, no TLS): tests and ``kubectl proxy``
K8S_API_URL_ENV = "PYOTELCOL_K8S_API_URL"


class Resolver:
    """Common part: telemetry and the last list handed out."""

    name = ""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._logger = settings.telemetry.logger
        meter = settings.telemetry.meter
        self._resolutions = meter.create_counter(
            "otelcol_loadbalancer_num_resolutions",
            unit="{resolutions}",
            description="Number of times the resolver has triggered new resolutions.",
        )
        self._updates = meter.create_counter(
            "otelcol_loadbalancer_num_backend_updates",
            unit="{updates}",
            description="Number of times the list of backends was updated.",
        )
        self.endpoints: list[str] = []
        self._on_change: OnChange | None = None
        self._gauges: list[GaugeHandle] = []

    async def start(self, on_change: OnChange) -> None:
        self._on_change = on_change
        attrs = {"resolver": self.name}
        self._gauges.append(
            register_gauge(
                self._settings.telemetry.meter,
                "otelcol_loadbalancer_num_backends",
                "Current number of backends in use.",
                "{backends}",
                lambda: [(len(self.endpoints), attrs)],
            )
        )

    async def shutdown(self) -> None:
        unregister_all(self._gauges)

    def record(self, success: bool) -> None:
        self._resolutions.add(1, {"resolver": self.name, "success": success})

    async def publish(self, endpoints: list[str]) -> None:
        endpoints = sorted(endpoints)
        if endpoints == self.endpoints:
            return
        self.endpoints = endpoints
        self._updates.add(1, {"resolver": self.name})
        if self._on_change is not None:
            await self._on_change(list(endpoints))


class StaticResolverImpl(Resolver):
    name = "static"

    def __init__(self, settings: Settings, cfg: StaticResolver) -> None:
        super().__init__(settings)
        self._hostnames = list(cfg.hostnames)

    async def start(self, on_change: OnChange) -> None:
        await super().start(on_change)
        self.record(True)
        await self.publish(self._hostnames)


def _host_text(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    return f"[{ip}]" if ip.version == 6 else str(ip)


class DNSResolverImpl(Resolver):
    """Re-resolves ``hostname`` every ``interval`` through the system resolver (getaddrinfo, so
    /etc/hosts and /etc/resolv.conf decide, as Go's net resolver does); on an error or timeout the
    last good list stays."""

    name = "dns"

    def __init__(self, settings: Settings, cfg: DNSResolver) -> None:
        super().__init__(settings)
        self._cfg = cfg
        self._port = str(cfg.port) if cfg.port != "" else DEFAULT_PORT
        self._task: asyncio.Task[None] | None = None

    async def resolve(self) -> list[str] | None:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(self._cfg.hostname, None, type=socket.SOCK_STREAM),
                self._cfg.timeout.total_seconds(),
            )
        except (OSError, TimeoutError) as exc:
            self.record(False)
            self._logger.warning(
                "failed to resolve the backends; keeping the last list",
                extra={"fields": {"resolver": "dns", "hostname": self._cfg.hostname, "error": str(exc) or "timeout"}},
            )
            return None
        self.record(True)
        hosts = {_host_text(str(info[4][0])) for info in infos}
        return [f"{host}:{self._port}" for host in hosts]

    async def start(self, on_change: OnChange) -> None:
        await super().start(on_change)
        first = await self.resolve()
        if first is not None:
            await self.publish(first)
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._cfg.interval.total_seconds())
            found = await self.resolve()
            if found is not None:
                try:
                    await self.publish(found)
                except Exception as exc:  # a failed backend update must not stop re-resolution
                    self._logger.error("failed to apply the resolved backends", extra={"fields": {"error": str(exc)}})

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await super().shutdown()


class K8sResolverImpl(Resolver):
    """Watches the EndpointSlices of ``service`` (``name[.namespace]``) through the Kubernetes API:
    in-cluster (service account token and CA, ``KUBERNETES_SERVICE_HOST``/``_PORT``) or a plain base
    URL from ``PYOTELCOL_K8S_API_URL``. Ready addresses (or pod hostnames with ``return_hostnames``)
    times ``ports`` are the backends."""

    name = "k8s"

    def __init__(self, settings: Settings, cfg: K8sResolver) -> None:
        super().__init__(settings)
        self._cfg = cfg
        svc, _, ns = cfg.service.partition(".")
        if not ns:
            ns_file = SA_DIR / "namespace"
            ns = ns_file.read_text().strip() if ns_file.exists() else "default"
        self._svc, self._ns = svc, ns.split(".", 1)[0]
        self._slices: dict[str, list[str]] = {}
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._base, self._headers, self._ssl = self._api()

    @staticmethod
    def _api() -> tuple[str, dict[str, str], ssl.SSLContext | bool]:
        plain = os.environ.get(K8S_API_URL_ENV)
        if plain:
            return plain.rstrip("/"), {}, False
        host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
        if not host or not port:
            raise ValueError(
                "k8s resolver: not running in a Kubernetes cluster (KUBERNETES_SERVICE_HOST/PORT unset) "
                f"and {K8S_API_URL_ENV} is not set"
            )
        token = (SA_DIR / "token").read_text().strip()
        ctx = ssl.create_default_context(cafile=str(SA_DIR / "ca.crt"))
        return f"https://{_host_text(host)}:{port}", {"Authorization": f"Bearer {token}"}, ctx

    def _url(self) -> str:
        return f"{self._base}/apis/discovery.k8s.io/v1/namespaces/{self._ns}/endpointslices"

    def _params(self) -> dict[str, str]:
        return {"labelSelector": f"kubernetes.io/service-name={self._svc}"}

    def _addresses(self, obj: dict[str, Any]) -> list[str]:
        found: list[str] = []
        for ep in obj.get("endpoints") or ():
            ready = (ep.get("conditions") or {}).get("ready")
            if ready is False:
                continue
            if self._cfg.return_hostnames:
                if ep.get("hostname"):
                    found.append(str(ep["hostname"]))
            else:
                found.extend(str(a) for a in ep.get("addresses") or ())
        return found

    async def _publish_slices(self) -> None:
        hosts = sorted({h for addrs in self._slices.values() for h in addrs})
        out: list[str] = []
        for port in self._cfg.ports:
            for host in hosts:
                if self._cfg.return_hostnames:
                    out.append(f"{host}.{self._svc}.{self._ns}:{port}")
                else:
                    out.append(f"{_host_text(host)}:{port}")
        await self.publish(out)

    async def _list(self) -> str:
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=self._cfg.timeout.total_seconds())
        async with self._session.get(self._url(), params=self._params(), timeout=timeout) as resp:
            if resp.status != 200:
                raise OSError(f"listing EndpointSlices: HTTP {resp.status}")
            body = await resp.json()
        self._slices = {item["metadata"]["name"]: self._addresses(item) for item in body.get("items") or ()}
        self.record(True)
        await self._publish_slices()
        return str((body.get("metadata") or {}).get("resourceVersion", ""))

    async def _watch(self, version: str) -> None:
        assert self._session is not None
        params = self._params() | {"watch": "true", "allowWatchBookmarks": "true"}
        if version:
            params["resourceVersion"] = version
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._cfg.timeout.total_seconds())
        async with self._session.get(self._url(), params=params, timeout=timeout) as resp:
            if resp.status != 200:
                raise OSError(f"watching EndpointSlices: HTTP {resp.status}")
            async for line in resp.content:
                if not line.strip():
                    continue
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    raise OSError(f"watch error: {obj.get('message', obj)}")
                if kind == "BOOKMARK":
                    continue
                name = (obj.get("metadata") or {}).get("name", "")
                if kind == "DELETED":
                    self._slices.pop(name, None)
                else:
                    self._slices[name] = self._addresses(obj)
                self.record(True)
                await self._publish_slices()

    async def start(self, on_change: OnChange) -> None:
        await super().start(on_change)
        self._session = aiohttp.ClientSession(headers=self._headers, connector=aiohttp.TCPConnector(ssl=self._ssl))
        version: str | None = None
        try:
            version = await self._list()
        except (OSError, aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            self.record(False)
            self._logger.warning("k8s resolver: initial list failed", extra={"fields": {"error": str(exc)}})
        self._task = asyncio.create_task(self._run(version))

    async def _run(self, version: str | None) -> None:
        delay = 1.0
        while True:
            try:
                if version is None:
                    version = await self._list()
                await self._watch(version)
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except (OSError, aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                self.record(False)
                self._logger.warning("k8s resolver: watch failed, listing again", extra={"fields": {"error": str(exc)}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            version = None  # a closed or failed watch re-lists (the version may be too old)

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        await super().shutdown()


def make_resolver(
    settings: Settings, static: StaticResolver | None, dns: DNSResolver | None, k8s: K8sResolver | None
) -> Resolver:
    if static is not None:
        return StaticResolverImpl(settings, static)
    if dns is not None:
        return DNSResolverImpl(settings, dns)
    if k8s is not None:
        return K8sResolverImpl(settings, k8s)
    raise ValueError("no resolvers specified for the exporter")
