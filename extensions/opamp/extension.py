"""The opamp extension: reports this collector to an OpAMP server (Go's contrib opampextension).

What it reports: the agent description, its capabilities, component health (from the status
events every component goes through, aggregated as Go's pkg/status does), the effective config
(the running config as YAML, secrets ``[REDACTED]``) and the installed components. With the
pyotelcol-only ``capabilities.accepts_remote_config``, a config the server offers is applied
through the host's reload path and its status is reported (APPLYING, then APPLIED or FAILED).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
import yaml

from pyotelcol.cli.yamlout import dump as dump_yaml
from pyotelcol.component import (
    ID,
    ConfigRejected,
    Host,
    InstanceID,
    Reconfigurable,
    Settings,
    Status,
    StatusEvent,
)
from pyotelcol.config.redact import redact
from pyotelcol.extension import ClientAuthenticator, find_authenticator

from . import opamp_pb2 as pb
from .client import ClientCallbacks, HTTPTransport, OpAMPClient, Transport, WebSocketTransport
from .config import Config
from .description import agent_description, available_components, installed_components
from .health import HealthAggregator, with_start_time
from .uid import new_uuid7, parse_go_uuid, parse_instance_uid

#: Remote config state survives the extension being recreated by the reload it triggered:
#: per extension ID, the last offered hash and the status reported for it.
_REMOTE_STATE: dict[str, pb.RemoteConfigStatus] = {}
#: The running instance per extension ID, which hears how a remote config it did not start ended.
_LIVE: dict[str, OpAMPExtension] = {}
#: Remote configs being applied (kept referenced until done).
_APPLYING: set[asyncio.Future[None]] = set()


# each capability setting and the bits it reports (Go: the extension's capabilities section)
_CAPABILITY_BITS = {
    "reports_effective_config": pb.AgentCapabilities_ReportsEffectiveConfig,
    "reports_health": pb.AgentCapabilities_ReportsHealth,
    "reports_available_components": pb.AgentCapabilities_ReportsAvailableComponents,
    "accepts_remote_config": pb.AgentCapabilities_AcceptsRemoteConfig | pb.AgentCapabilities_ReportsRemoteConfig,
    "reports_own_metrics": pb.AgentCapabilities_ReportsOwnMetrics,
    "reports_own_traces": pb.AgentCapabilities_ReportsOwnTraces,
    "reports_own_logs": pb.AgentCapabilities_ReportsOwnLogs,
}


def capability_bits(cfg: Config) -> int:
    bits = int(pb.AgentCapabilities_ReportsStatus)  # every agent must report status
    for setting, flags in _CAPABILITY_BITS.items():
        if getattr(cfg.capabilities, setting):
            bits |= int(flags)
    return bits


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def effective_config_yaml(host: Host) -> bytes | None:
    """The host's running config, secrets redacted, as YAML with sorted keys (Go's yaml.v3)."""
    if not isinstance(host, Reconfigurable):
        return None
    conf = dict(host.effective_config())
    decoded = getattr(host, "cfg", None)  # the decoded config says which fields are secrets
    if decoded is not None and hasattr(decoded, "components"):
        conf = redact(conf, decoded)
    return dump_yaml(_sorted(conf)).encode()


def merge_config_files(config_map: Mapping[str, pb.AgentConfigFile]) -> bytes:
    """One config from the offered files: a single file as it is; several merged in name order
    (maps merge, everything else replaces), as a multi-file ``--config`` does."""
    if len(config_map) == 1:
        return next(iter(config_map.values())).body
    merged: dict[str, Any] = {}
    for name in sorted(config_map):
        body = config_map[name].body
        try:
            doc = yaml.safe_load(body) if body.strip() else {}
        except yaml.YAMLError as exc:
            raise ConfigRejected(f"cannot parse config file {name!r}: {exc}") from None
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ConfigRejected(f"config file {name!r} is not a map")
        _merge(merged, doc)
    return yaml.safe_dump(merged, sort_keys=False).encode()


def _merge(into: dict[str, Any], doc: dict[str, Any]) -> None:
    for key, value in doc.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


class OpAMPExtension:
    def __init__(self, settings: Settings, config: Config) -> None:
        self._settings = settings
        self._config = config
        self._log = settings.telemetry.logger
        self._key = str(settings.id)
        self._host: Host | None = None
        self._own_telemetry_offers: dict[str, bytes] = {}
        self._health = HealthAggregator()
        self._client: OpAMPClient | None = None
        self._transport: Transport | None = None
        self._session: aiohttp.ClientSession | None = None
        self._run_task: asyncio.Future[None] | None = None
        self._ppid_task: asyncio.Future[None] | None = None
        self._pending_health: pb.ComponentHealth | None = None
        self._auth: ClientAuthenticator | None = None
        self._auth_id: ID | None = None
        self._running = False  # between the service's ready() and not_ready()
        self._config_check_scheduled = False
        self._last_effective: bytes | None = None  # the effective config body last composed
        if config.capabilities.reports_health:
            self._pending_health = pb.ComponentHealth(healthy=False)

    # -- StatusWatcher / PipelineWatcher --------------------------------------------------------
    def component_status_changed(self, source: InstanceID, event: StatusEvent) -> None:
        if self._running and event.status in (Status.OK, Status.STOPPED):
            self._config_may_have_changed()  # a reload (SIGHUP, remote config) is under way
        if not self._config.capabilities.reports_health:
            return
        if self._health.record(source, event):
            self._publish_health()

    def _config_may_have_changed(self) -> None:
        """Send the effective config again if it changed (Go's NotifyConfig after a reload);
        checked once per burst of status events."""
        if self._config_check_scheduled or self._client is None:
            return
        self._config_check_scheduled = True

        def check() -> None:
            self._config_check_scheduled = False
            if self._client is None:
                return
            before = self._last_effective
            current = self._effective_config()
            if current is not None and self._last_effective != before:
                self._client.update_effective_config(current)

        asyncio.get_running_loop().call_soon(check)

    def ready(self) -> None:
        self._running = True
        self._set_health(pb.ComponentHealth(healthy=True))
        self._health.ready()
        self._publish_health()

    def not_ready(self) -> None:
        self._running = False
        self._health.not_ready()
        self._set_health(pb.ComponentHealth(healthy=False))

    def _publish_health(self) -> None:
        health = self._health.component_health()
        if health is not None:
            self._set_health(health)

    def _set_health(self, health: pb.ComponentHealth) -> None:
        if not self._config.capabilities.reports_health:
            return
        with_start_time(health)
        if self._client is None:
            self._pending_health = health
        else:
            self._client.set_health(health)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        cfg = self._config
        self._host = host
        transport_cfg = cfg.server.transport
        if transport_cfg.auth:
            auth_id = ID.parse(transport_cfg.auth)
            self._auth_id = auth_id
            if not _starts_later(host, auth_id):  # Go orders extensions by dependency; we look it up late
                self._auth = find_authenticator(host, auth_id, ClientAuthenticator)
        ssl_context = None
        if cfg.endpoint_scheme() in ("wss", "https"):
            ssl_context = transport_cfg.tls.build_ssl_context()
        resource = _resource_attributes(host)
        build = self._settings.build_info
        agent_type = str(resource.get("service.name", build.command))
        agent_version = str(resource.get("service.version", build.version))
        uid = self._instance_uid(resource)
        description = agent_description(
            str(uid),
            agent_type,
            agent_version,
            cfg.agent_description.non_identifying_attributes,
            resource if cfg.agent_description.include_resource_attributes else None,
        )
        available = (
            available_components(installed_components()) if cfg.capabilities.reports_available_components else None
        )
        client = OpAMPClient(
            uid.bytes,
            capability_bits(cfg),
            description,
            available,
            ClientCallbacks(self._effective_config, self._on_remote_config, self._on_own_telemetry, self._auth_headers),
            self._log,
        )
        if self._pending_health is not None:
            client.health = self._pending_health
        previous = _REMOTE_STATE.get(self._key)
        if cfg.capabilities.accepts_remote_config and previous is not None:
            client.remote_config_status = previous
        self._client = client
        _LIVE[self._key] = self
        self._session = aiohttp.ClientSession()
        kwargs: dict[str, Any] = {"logger": self._log}
        args = (client, self._session, transport_cfg.endpoint, transport_cfg.headers, ssl_context)
        if cfg.server.ws is not None:
            self._transport = WebSocketTransport(*args, **kwargs)
        else:
            interval = cfg.server.polling_interval.total_seconds()
            self._transport = HTTPTransport(*args, polling_interval=interval, **kwargs)
        self._run_task = asyncio.ensure_future(self._transport.run())
        if cfg.ppid:
            self._ppid_task = asyncio.ensure_future(self._watch_parent(host))

    async def shutdown(self) -> None:
        if _LIVE.get(self._key) is self:
            del _LIVE[self._key]
        for task in (self._ppid_task,):
            if task is not None:
                task.cancel()
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.stop()
        task, self._run_task = self._run_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # -- helpers --------------------------------------------------------------------------------
    def _instance_uid(self, resource: Mapping[str, Any]) -> uuid.UUID:
        """Go: the configured UID, else the service.instance.id resource attribute (which must
        then be a UUID: Go fails with uuid.Parse's error otherwise), else a new UUIDv7."""
        if self._config.instance_uid:
            return parse_instance_uid(self._config.instance_uid)
        sid = resource.get("service.instance.id")
        if sid is not None:
            return parse_go_uuid(str(sid))
        return new_uuid7()

    async def _auth_headers(self) -> Mapping[str, str]:
        if self._auth is None and self._auth_id is not None and self._host is not None:
            self._auth = find_authenticator(self._host, self._auth_id, ClientAuthenticator)
        return await self._auth.headers() if self._auth is not None else {}

    def _effective_config(self) -> pb.EffectiveConfig | None:
        if not self._config.capabilities.reports_effective_config or self._host is None:
            return None
        try:
            body = effective_config_yaml(self._host)
        except Exception as exc:  # never let a report break the client
            self._log.error("cannot marshal effectiveConfig", extra={"fields": {"error": str(exc)}})
            return None
        if body is None:
            return None
        self._last_effective = body
        out = pb.EffectiveConfig()
        out.config_map.config_map[""].CopyFrom(pb.AgentConfigFile(body=body, content_type="text/yaml"))
        return out

    def _on_remote_config(self, offer: pb.AgentRemoteConfig) -> None:
        previous = _REMOTE_STATE.get(self._key)
        if previous is not None and previous.last_remote_config_hash == offer.config_hash and offer.config_hash:
            return  # already applied (or refused): the spec says not to do it again
        status = pb.RemoteConfigStatus(
            last_remote_config_hash=offer.config_hash, status=pb.RemoteConfigStatuses_APPLYING
        )
        self._report_remote(status)
        # Not a task of this extension: the reload may shut this extension down and must not
        # cancel itself half way.
        task = asyncio.ensure_future(self._apply(offer))
        _APPLYING.add(task)
        task.add_done_callback(_APPLYING.discard)

    def _on_own_telemetry(self, signal: str, offer: pb.TelemetryConnectionSettings) -> None:
        """Send the collector's own ``signal`` to the offered OTLP/HTTP endpoint ("" stops)."""
        offered = getattr(getattr(self._host, "telemetry", None), f"offered_{signal}", None)
        if offered is None:
            self._log.warning(f"Own {signal} offered, but this collector's {signal} are off (service.telemetry)")
            return
        raw = offer.SerializeToString()
        if raw == self._own_telemetry_offers.get(signal):
            return  # the same offer again (servers repeat their settings)
        self._own_telemetry_offers[signal] = raw
        headers = {h.key: h.value for h in offer.headers.headers}
        task = asyncio.ensure_future(offered.offer(offer.destination_endpoint, headers))
        _APPLYING.add(task)
        task.add_done_callback(_APPLYING.discard)

    async def _apply(self, offer: pb.AgentRemoteConfig) -> None:
        status = pb.RemoteConfigStatus(last_remote_config_hash=offer.config_hash)
        host = self._host
        try:
            body = merge_config_files(offer.config.config_map)
            if not isinstance(host, Reconfigurable):
                raise ConfigRejected("the collector cannot change its configuration at run time")
            await host.apply_config(body, "opamp")
        except ConfigRejected as exc:
            status.status = pb.RemoteConfigStatuses_FAILED
            status.error_message = str(exc)
            self._log.error("Remote configuration rejected", extra={"fields": {"error": str(exc)}})
        except Exception as exc:  # a failure to start counts as refused too
            status.status = pb.RemoteConfigStatuses_FAILED
            status.error_message = str(exc)
            self._log.error("Remote configuration failed", extra={"fields": {"error": str(exc)}})
        else:
            status.status = pb.RemoteConfigStatuses_APPLIED
            self._log.info("Remote configuration applied")
        self._report_remote(status)
        target = _LIVE.get(self._key, self)
        if status.status == pb.RemoteConfigStatuses_APPLIED:
            target._config_may_have_changed()

    def _report_remote(self, status: pb.RemoteConfigStatus) -> None:
        _REMOTE_STATE[self._key] = status
        target = _LIVE.get(self._key, self)
        if target._client is not None:
            target._client.set_remote_config_status(status)

    async def _watch_parent(self, host: Host) -> None:
        """Go's monitorPPID: a fatal error status once the parent process is gone."""
        interval = self._config.ppid_poll_interval.total_seconds()
        ppid = self._config.ppid
        while True:
            try:
                os.kill(ppid, 0)
            except ProcessLookupError:
                err = RuntimeError(f"collector was orphaned, process with pid {ppid} does not exist")
                host.report_status(self._settings, Status.FATAL_ERROR, err)
                host.report_fatal_error(err)
                return
            except PermissionError:
                pass  # it exists, owned by someone else
            await asyncio.sleep(interval)


def _starts_later(host: Host, ext_id: ID) -> bool:
    """Whether ``ext_id`` is a configured extension that has not started yet (listed after us)."""
    cfg = getattr(host, "cfg", None)
    listed = getattr(cfg, "extensions", ())
    return ext_id in listed and ext_id not in host.get_extensions()


def _resource_attributes(host: Host) -> dict[str, Any]:
    """The collector's own telemetry resource (service.name, .version, .instance.id, ...)."""
    telemetry = getattr(host, "telemetry", None)
    attrs = getattr(telemetry, "resource_attributes", None)
    if callable(attrs):
        with contextlib.suppress(Exception):
            return dict(attrs())
    return {}


__all__ = ["OpAMPExtension", "capability_bits", "effective_config_yaml", "merge_config_files"]
