"""health_check extension: config validation and HTTP behaviour over loopback (ports 21100-21149)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from support import free_port

from pyotelcol.component import Component, Kind, PipelineWatcher
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.factories import ExtensionFactory, from_entry_points
from pyotelcol.testing import NopHost, make_settings


def create_factory() -> ExtensionFactory:
    """The factory as the service finds it: through the pyotelcol.extensions entry point."""
    factory = from_entry_points().get(Kind.EXTENSION, "health_check")
    assert isinstance(factory, ExtensionFactory)
    return factory


_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
_GO_DURATION = r"(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)"


def _config(raw: dict[str, Any]) -> Any:
    default = create_factory().create_default_config()
    return decode(type(default), raw, default)


def _errors(raw: dict[str, Any]) -> list[str]:
    return validate(_config(raw), "extensions::health_check")


def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert factory.type == "health_check"
    assert factory.kind is Kind.EXTENSION
    cfg = factory.create_default_config()
    assert (cfg.endpoint, cfg.path, cfg.response_body) == ("localhost:13133", "/", None)
    assert (
        cfg.check_collector_pipeline.enabled,
        cfg.check_collector_pipeline.interval,
        cfg.check_collector_pipeline.exporter_failure_threshold,
    ) == (False, "5m", 5)
    assert validate(cfg, "extensions::health_check") == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"endpoint": ""}, "extensions::health_check: bad config: endpoint must be specified"),
        ({"path": "health"}, "extensions::health_check: bad config: path must start with /"),
        (
            {"check_collector_pipeline": {"exporter_failure_threshold": 0}},
            "extensions::health_check: bad config: exporter_failure_threshold expects a positive number",
        ),
        ({"check_collector_pipeline": {"interval": "abc"}}, 'extensions::health_check: time: invalid duration "abc"'),
        (
            {"check_collector_pipeline": {"interval": "5"}},
            'extensions::health_check: time: missing unit in duration "5"',
        ),
        # Go checks the interval first
        (
            {"endpoint": "", "check_collector_pipeline": {"interval": "1d"}},
            'extensions::health_check: time: unknown unit "d" in duration "1d"',
        ),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    assert _errors(raw) == [message]


def test_confighttp_keys_are_accepted_and_unknown_keys_refused() -> None:
    cfg = _config(
        {
            "endpoint": "0.0.0.0:13133",
            "path": "/health",
            "response_headers": {"X-A": "b"},
            "cors": {"allowed_origins": ["*"]},
            "idle_timeout": "10s",
            "keep_alives_enabled": False,
            "response_body": {"healthy": "ok"},
            "include_metadata": True,
        }
    )
    assert cfg.response_body is not None and cfg.response_body.unhealthy == ""
    with pytest.raises(DecodeError) as err:
        _config({"port": 13133})
    assert any("has invalid keys: port" in line for line in err.value.errors)


def _run(raw: dict[str, Any], port: int, body: Callable[[Any, aiohttp.ClientSession, str], Awaitable[None]]) -> None:
    async def main() -> None:
        factory = create_factory()
        cfg = _config({"endpoint": f"127.0.0.1:{port}", **raw})
        ext = factory.create(make_settings("health_check", Kind.EXTENSION), cfg)
        assert isinstance(ext, Component) and isinstance(ext, PipelineWatcher)
        await ext.start(NopHost())
        try:
            async with aiohttp.ClientSession() as session:
                await body(ext, session, f"http://127.0.0.1:{port}")
        finally:
            await ext.shutdown()
            await ext.shutdown()

    asyncio.run(main())


async def _get(session: aiohttp.ClientSession, url: str, method: str = "GET") -> tuple[int, str, str]:
    async with session.request(method, url, allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def test_not_ready_ready_not_ready() -> None:
    async def body(ext: Any, session: aiohttp.ClientSession, base: str) -> None:
        status, ctype, text = await _get(session, base + "/")
        assert (status, ctype) == (503, "application/json")
        assert text == '{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}'
        ext.ready()
        status, ctype, text = await _get(session, base + "/")
        assert (status, ctype) == (200, "application/json")
        assert list(json.loads(text)) == ["status", "upSince", "uptime"]
        payload = json.loads(text)
        assert payload["status"] == "Server available"
        assert re.fullmatch(_RFC3339, payload["upSince"])
        assert re.fullmatch(_GO_DURATION, payload["uptime"])
        # default path "/" answers every path and every method
        assert (await _get(session, base + "/any/thing", "POST"))[0] == 200
        ext.not_ready()
        assert (await _get(session, base + "/"))[0] == 503

    _run({}, 21100, body)


def test_custom_path_answers_only_itself() -> None:
    async def body(ext: Any, session: aiohttp.ClientSession, base: str) -> None:
        ext.ready()
        assert (await _get(session, base + "/health"))[0] == 200
        status, ctype, text = await _get(session, base + "/")
        assert (status, ctype, text) == (404, "text/plain; charset=utf-8", "404 page not found\n")
        assert (await _get(session, base + "/health/x"))[0] == 404

    _run({"path": "/health"}, 21101, body)


def test_subtree_path_and_redirect() -> None:
    async def body(ext: Any, session: aiohttp.ClientSession, base: str) -> None:
        assert (await _get(session, base + "/status/live"))[0] == 503
        async with session.get(base + "/status", allow_redirects=False) as resp:
            assert resp.status == 301 and resp.headers["Location"] == "/status/"

    _run({"path": "/status/"}, 21102, body)


def test_response_body_and_headers() -> None:
    async def body(ext: Any, session: aiohttp.ClientSession, base: str) -> None:
        async with session.get(base + "/") as resp:
            assert (resp.status, await resp.text(), resp.headers["X-Probe"]) == (503, "down", "yes")
        ext.ready()
        assert (await _get(session, base + "/"))[::2] == (200, "up")

    _run({"response_body": {"healthy": "up", "unhealthy": "down"}, "response_headers": {"X-Probe": "yes"}}, 21103, body)


def test_check_collector_pipeline_answers_bare_codes() -> None:
    async def body(ext: Any, session: aiohttp.ClientSession, base: str) -> None:
        assert (await _get(session, base + "/"))[::2] == (500, "")
        ext.ready()
        assert (await _get(session, base + "/"))[::2] == (200, "")

    _run({"check_collector_pipeline": {"enabled": True}}, 21104, body)


def test_shutdown_without_start_and_bind_conflict() -> None:
    async def main() -> None:
        factory = create_factory()
        cfg = _config({"endpoint": "127.0.0.1:21105"})
        idle = factory.create(make_settings("health_check", Kind.EXTENSION), cfg)
        await idle.shutdown()
        first = factory.create(make_settings("health_check", Kind.EXTENSION), cfg)
        second = factory.create(make_settings("health_check/2", Kind.EXTENSION), cfg)
        await first.start(NopHost())
        try:
            with pytest.raises(
                OSError,
                match=r"failed to bind to address 127\.0\.0\.1:21105: "
                r"listen tcp 127\.0\.0\.1:21105: bind: address already in use",
            ):
                await second.start(NopHost())
        finally:
            await second.shutdown()
            await first.shutdown()

    asyncio.run(main())


def test_auth_extension_guards_the_endpoint() -> None:
    """Go's health_check serves through confighttp, so ``auth`` applies: 401 with the
    authenticator's message until the bearer token is sent."""
    from pyotelcol.extensions.bearertokenauth import create_factory as bearer_factory

    from pyotelcol.component import ID

    async def main() -> None:
        bearer_default = bearer_factory().create_default_config()
        bearer_cfg = decode(type(bearer_default), {"token": "hc-token"}, bearer_default)
        bearer = bearer_factory().create(make_settings("bearertokenauth", Kind.EXTENSION), bearer_cfg)
        host = NopHost({ID.parse("bearertokenauth"): bearer})
        port = free_port()
        cfg = _config({"endpoint": f"127.0.0.1:{port}", "auth": {"authenticator": "bearertokenauth"}})
        ext = create_factory().create(make_settings("health_check", Kind.EXTENSION), cfg)
        assert isinstance(ext, PipelineWatcher)
        await bearer.start(host)
        await ext.start(host)
        try:
            ext.ready()
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/") as resp:
                    assert resp.status == 401
                    assert "missing or empty authorization header" in await resp.text()
                headers = {"Authorization": "Bearer hc-token"}
                async with session.get(f"http://127.0.0.1:{port}/", headers=headers) as resp:
                    assert resp.status == 200
                    assert (await resp.json())["status"] == "Server available"
        finally:
            await ext.shutdown()
            await bearer.shutdown()

    asyncio.run(main())


def test_unknown_authenticator_fails_start() -> None:
    async def main() -> None:
        cfg = _config({"endpoint": f"127.0.0.1:{free_port()}", "auth": {"authenticator": "basicauth"}})
        ext = create_factory().create(make_settings("health_check", Kind.EXTENSION), cfg)
        with pytest.raises(ValueError, match='failed to resolve authenticator "basicauth": authenticator not found'):
            await ext.start(NopHost())
        await ext.shutdown()

    asyncio.run(main())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI to make a test certificate")
def test_tls_endpoint(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )

    async def main() -> None:
        cfg = _config({"endpoint": "127.0.0.1:21107", "tls": {"cert_file": str(cert), "key_file": str(key)}})
        ext = create_factory().create(make_settings("health_check", Kind.EXTENSION), cfg)
        await ext.start(NopHost())
        try:
            ctx = ssl.create_default_context(cafile=str(cert))
            ctx.check_hostname = False
            async with aiohttp.ClientSession() as session, session.get("https://127.0.0.1:21107/", ssl=ctx) as resp:
                assert resp.status == 503
        finally:
            await ext.shutdown()

    asyncio.run(main())
