"""``Service.apply_config`` (pyotelcol.component.Reconfigurable), as the OpAMP extension uses it:
in process, with a real OTLP/HTTP receiver and ``file`` exporters.

The status watcher is attached the way the service attaches an extension that watches statuses
(healthcheckv2); it records what a health check would see.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import pytest
from support import free_port

from pyotelcol.cli.main import CLIError, ConfigSource, _reload, admin_reloader, load_config, parse_args
from pyotelcol.component import BuildInfo, ConfigRejected, InstanceID, Reconfigurable, StatusEvent
from pyotelcol.factories import from_entry_points
from pyotelcol.featuregate import GLOBAL
from pyotelcol.service.service import NopTelemetry, Service

CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
exporters:
  file: {{path: "{out}", flush_interval: 50ms, append: true}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"""


class Watcher:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def component_status_changed(self, source: InstanceID, event: StatusEvent) -> None:
        self.events.append((f"{source.kind} {source.id}", event.status.value))


async def post(session: aiohttp.ClientSession, port: int, name: str) -> None:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": name, "kind": 1}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    async with session.post(f"http://127.0.0.1:{port}/v1/traces", json=body) as response:
        assert response.status == 200


async def names(path: Path) -> list[str]:
    for _ in range(200):
        if path.exists() and path.read_text():
            break
        await asyncio.sleep(0.02)
    out: list[str] = []
    for line in path.read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            out.extend(s["name"] for ss in rs["scopeSpans"] for s in ss["spans"])
    return out


def _watched_service(path: Path) -> tuple[ConfigSource, Service, Watcher]:
    """A service on the config file ``path`` (not started) that reloads from it, and a watcher
    of its component status events."""
    opts = parse_args(["--config", str(path)])
    assert opts is not None
    factories = from_entry_points()
    source = ConfigSource(opts, factories, GLOBAL, None)
    service = Service(load_config(opts, factories, GLOBAL), NopTelemetry(), BuildInfo(), GLOBAL, logging.getLogger())
    service.config_loader = source.load
    watcher = Watcher()
    service._add_watcher(watcher)
    return source, service, watcher


def test_apply_config_swaps_keeps_the_receiver_and_survives_sighup(tmp_path: Path) -> None:
    asyncio.run(_scenario(tmp_path))


async def _scenario(tmp_path: Path) -> None:
    port = free_port()
    from_file, remote = tmp_path / "from-file.json", tmp_path / "remote.json"
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(port=port, out=from_file))
    source, service, watcher = _watched_service(path)
    factories = source.factories
    assert isinstance(service, Reconfigurable)
    await service.start()
    try:
        async with aiohttp.ClientSession() as session:
            await post(session, port, "one")
            watcher.events.clear()

            await service.apply_config(CONFIG.format(port=port, out=remote).encode(), "opamp")
            await post(session, port, "two")
            # the receiver was kept: no status event for it; the new exporter started, the old one
            # was replaced under the same ID (no Stopped for "file")
            assert watcher.events == [("exporter file", "Starting"), ("exporter file", "OK")]
            effective = service.effective_config()
            assert effective["exporters"] == {"file": {"path": str(remote), "flush_interval": "50ms", "append": True}}

            bad = CONFIG.format(port=port, out=remote).replace("exporters: [file]", "exporters: [nope]").encode()
            with pytest.raises(ConfigRejected) as rejected:
                await service.apply_config(bad, "opamp")
            bad_file = tmp_path / "bad.yaml"
            bad_file.write_bytes(bad)
            bad_opts = parse_args(["validate", "--config", str(bad_file)])
            assert bad_opts is not None
            with pytest.raises(CLIError) as validate_error:
                load_config(bad_opts, factories, GLOBAL)
            assert str(rejected.value) == str(validate_error.value)
            await post(session, port, "three")

            # SIGHUP after a remote config resolves the remote config again, not the file
            await _reload(source, service, "sighup")
            await post(session, port, "four")
            assert service.effective_config()["exporters"] == effective["exporters"]
            # a change of the watched file goes back to the file
            await _reload(source, service, "file change")
            await post(session, port, "five")

            # the admin endpoint's POST /reload: no body reloads the sources, a bad body is refused
            reload = admin_reloader(source, service)
            await reload(None)
            with pytest.raises(ConfigRejected) as admin_rejected:
                await reload(bad)
            assert str(admin_rejected.value) == str(validate_error.value)
            await post(session, port, "six")
    finally:
        errors = await service.shutdown()
    assert errors == []
    assert await names(from_file) == ["one", "five", "six"]
    assert await names(remote) == ["two", "three", "four"]
    kinds = {k for k, _ in watcher.events}
    assert "receiver otlp" in kinds  # only at the final shutdown
    assert watcher.events.count(("receiver otlp", "Stopping")) == 1


HANDOVER = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}", include_metadata: {metadata}}}
  otlp/unix:
    protocols:
      grpc: {{endpoint: "{sock}", transport: unix, include_metadata: {metadata}}}
{extra}
exporters:
  file: {{path: "{out}", flush_interval: 50ms, append: true}}
service:
  pipelines:
    traces: {{receivers: [{receivers}], exporters: [file]}}
"""


def test_status_events_of_receivers_replaced_taken_over_and_removed(tmp_path: Path) -> None:
    """A changed receiver taking its predecessor's socket over reports Starting/OK under its
    ID and nothing for the old instance; when one must free its address first (a gRPC unix
    socket) the retired receivers stop before it starts: a removed one reports Stopping/Stopped,
    a replaced one nothing."""
    asyncio.run(_handover_scenario(tmp_path))


async def _handover_scenario(tmp_path: Path) -> None:
    port, out = free_port(), tmp_path / "out.json"
    sock = tmp_path / "otlp.sock"
    old_port = free_port()
    extra = f'  otlp/old:\n    protocols:\n      http: {{endpoint: "127.0.0.1:{old_port}"}}'

    def text(metadata: str, removed: bool) -> bytes:
        receivers = "otlp, otlp/unix" if removed else "otlp, otlp/unix, otlp/old"
        return HANDOVER.format(
            port=port, sock=sock, out=out, metadata=metadata, extra="" if removed else extra, receivers=receivers
        ).encode()

    path = tmp_path / "config.yaml"
    path.write_bytes(text("false", removed=False))
    _, service, watcher = _watched_service(path)
    await service.start()
    try:
        async with aiohttp.ClientSession() as session:
            await post(session, port, "one")
            watcher.events.clear()
            await service.apply_config(text("true", removed=True), "test")
            await post(session, port, "two")
    finally:
        assert await service.shutdown() == []
    assert await names(out) == ["one", "two"]
    reload_events = watcher.events[: watcher.events.index(("receiver otlp", "Stopping"))]
    assert sorted(reload_events) == sorted(
        [
            ("receiver otlp/old", "Stopping"),
            ("receiver otlp/old", "Stopped"),
            ("receiver otlp", "Starting"),
            ("receiver otlp", "OK"),
            ("receiver otlp/unix", "Starting"),
            ("receiver otlp/unix", "OK"),
        ]
    )
