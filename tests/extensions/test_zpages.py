"""zpages extension: config validation and pages rendered from the host's service info (ports 21150-21199)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from pyotelcol.component import ID, BuildInfo, Kind, PipelineID, PipelineInfo, ServiceInfo
from pyotelcol.config import decode, validate
from pyotelcol.factories import ExtensionFactory, from_entry_points
from pyotelcol.testing import NopHost, make_settings


def create_factory() -> ExtensionFactory:
    """The factory as the service finds it: through the pyotelcol.extensions entry point."""
    factory = from_entry_points().get(Kind.EXTENSION, "zpages")
    assert isinstance(factory, ExtensionFactory)
    return factory


class ServiceHost(NopHost):
    def service_info(self) -> ServiceInfo:
        pipelines = {
            PipelineID.parse("traces"): PipelineInfo(
                (ID.parse("otlp"),), (ID.parse("memory_limiter"), ID.parse("batch")), (ID.parse("otlp_grpc/backend"),)
            ),
            PipelineID.parse("logs/a&b"): PipelineInfo((ID.parse("nop"),), (), (ID.parse("debug"),)),
        }
        return ServiceInfo(
            BuildInfo("otelcol-z", "zpages test", "7.7.7"),
            pipelines,
            (ID.parse("health_check"), ID.parse("zpages")),
            time.time() - 65,
            {"service.profilesSupport": False, "exporter.otlp.x": True},
        )


def _config(raw: dict[str, Any]) -> Any:
    default = create_factory().create_default_config()
    return decode(type(default), raw, default)


def test_defaults_and_validation() -> None:
    factory = create_factory()
    assert factory.type == "zpages" and factory.kind is Kind.EXTENSION
    cfg = factory.create_default_config()
    assert cfg.endpoint == "localhost:55679" and cfg.expvar.enabled is False
    assert validate(cfg, "extensions::zpages") == []
    assert validate(_config({"endpoint": ""}), "extensions::zpages") == [
        'extensions::zpages: "endpoint" is required when using the "zpages" extension'
    ]


def _run(raw: dict[str, Any], port: int, checks: Any) -> None:
    async def main() -> None:
        cfg = _config({"endpoint": f"127.0.0.1:{port}", **raw})
        ext = create_factory().create(make_settings("zpages", Kind.EXTENSION), cfg)
        await ext.start(ServiceHost())
        try:
            async with aiohttp.ClientSession() as session:
                await checks(session, f"http://127.0.0.1:{port}/debug")
        finally:
            await ext.shutdown()
            await ext.shutdown()

    asyncio.run(main())


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str, str]:
    async with session.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def test_pages_render_service_info() -> None:
    async def checks(session: aiohttp.ClientSession, base: str) -> None:
        status, ctype, html = await _get(session, base + "/servicez")
        assert (status, ctype) == (200, "text/html; charset=utf-8")
        assert "otelcol-z" in html and "7.7.7" in html and "zpages test" in html
        assert "<td>Uptime</td><td>1m5" in html
        for link in ("/debug/pipelinez", "/debug/extensionz", "/debug/featurez"):
            assert f'href="{link}"' in html

        status, _, html = await _get(session, base + "/pipelinez")
        assert status == 200
        assert (
            "<tr><td>traces</td><td>traces</td><td>otlp</td><td>memory_limiter, batch</td>"
            "<td>otlp_grpc/backend</td></tr>"
        ) in html
        # names are HTML-escaped
        assert "<td>logs/a&amp;b</td><td>logs</td><td>nop</td><td></td><td>debug</td>" in html

        status, _, html = await _get(session, base + "/extensionz")
        assert status == 200 and "<td>health_check</td>" in html and "<td>zpages</td>" in html

        status, _, html = await _get(session, base + "/featurez")
        assert "<tr><td>exporter.otlp.x</td><td>true</td></tr>" in html
        assert "<tr><td>service.profilesSupport</td><td>false</td></tr>" in html

        status, _, html = await _get(session, base + "/tracez")
        assert status == 200 and "No own spans are recorded" in html
        assert (await _get(session, base + "/expvarz"))[0] == 404
        assert (await _get(session, base + "/nothing"))[0] == 404

    _run({}, 21150, checks)


def test_expvar_enabled() -> None:
    async def checks(session: aiohttp.ClientSession, base: str) -> None:
        status, ctype, text = await _get(session, base + "/expvarz")
        assert status == 200 and ctype.startswith("application/json")
        assert "cmdline" in json.loads(text)

    _run({"expvar": {"enabled": True}}, 21151, checks)


def test_host_without_service_info() -> None:
    class BareHost:
        def get_extensions(self) -> dict[ID, Any]:
            return {}

        def report_fatal_error(self, err: BaseException) -> None:
            raise AssertionError(err)

    async def main() -> None:
        ext = create_factory().create(make_settings("zpages", Kind.EXTENSION), _config({"endpoint": "127.0.0.1:21152"}))
        await ext.start(BareHost())  # type: ignore[arg-type]
        try:
            async with aiohttp.ClientSession() as session:
                status, _, html = await _get(session, "http://127.0.0.1:21152/debug/pipelinez")
                assert status == 200 and "not available" in html
        finally:
            await ext.shutdown()

    asyncio.run(main())


def test_bind_error_is_reported() -> None:
    async def main() -> None:
        cfg = _config({"endpoint": "127.0.0.1:21153"})
        first = create_factory().create(make_settings("zpages", Kind.EXTENSION), cfg)
        second = create_factory().create(make_settings("zpages/2", Kind.EXTENSION), cfg)
        await first.start(ServiceHost())
        try:
            with pytest.raises(OSError, match=r"listen tcp 127\.0\.0\.1:21153: bind: address already in use"):
                await second.start(ServiceHost())
        finally:
            await second.shutdown()
            await first.shutdown()

    asyncio.run(main())
