"""Detection runs, merges and refreshes: the provider driven directly with the real env and system detectors."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import timedelta

import pytest
from pyotelcol.processors.resource_detection.config import Config
from pyotelcol.processors.resource_detection.detectors.base import DetectionError
from pyotelcol.processors.resource_detection.provider import ResourceProvider

from pyotelcol.config.decode import decode

LOG = logging.getLogger("test")


def provider(raw: dict[str, object]) -> ResourceProvider:
    return ResourceProvider(decode(Config, raw), LOG)


def test_earlier_detectors_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "host.name=from-env,os.type=plan9")

    async def run(order: list[str]) -> dict[str, object]:
        p = provider({"detectors": order, "system": {"hostname_sources": ["os"]}})
        await p.acquire()
        await p.release()
        return dict(p.get().attributes)

    env_first = asyncio.run(run(["env", "system"]))
    assert env_first["host.name"] == "from-env" and env_first["os.type"] == "plan9"
    system_first = asyncio.run(run(["system", "env"]))
    assert system_first["host.name"] == socket.gethostname() and system_first["os.type"] == "linux"


def test_no_detectors_is_a_failure() -> None:
    p = provider({"detectors": []})
    with pytest.raises(DetectionError, match="resource detection failed: no detectors succeeded"):
        asyncio.run(p.acquire())


def test_a_failed_refresh_keeps_the_last_good_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "version=1")
    p = provider({"detectors": ["env"], "retry": {"enabled": False}})

    async def run() -> None:
        await p.acquire()
        assert p.get().attributes == {"version": "1"}
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "version=2")
        await p.refresh()
        assert p.get().attributes == {"version": "2"}
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "not a pair")
        await p.refresh()  # logged, not raised
        assert p.get().attributes == {"version": "2"}
        await p.release()

    asyncio.run(run())


def test_refresh_interval_detects_again_until_shutdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "version=1")
    p = provider({"detectors": ["env"], "refresh_interval": "20ms"})
    assert decode(Config, {"refresh_interval": "20ms"}).refresh_interval == timedelta(milliseconds=20)

    async def run() -> None:
        await p.acquire()
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "version=2")
        async with asyncio.timeout(10):
            while p.get().attributes != {"version": "2"}:
                await asyncio.sleep(0.01)
        await p.release()
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "version=3")
        await asyncio.sleep(0.1)  # no refresh after the last processor stopped
        assert p.get().attributes == {"version": "2"}

    asyncio.run(run())


def test_retries_until_the_timeout_then_names_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "bad")
    p = provider({"detectors": ["env"], "timeout": "300ms", "retry": {"initial_interval": "10ms"}})
    with pytest.raises(DetectionError) as info:
        asyncio.run(p.acquire())
    message = str(info.value)
    assert message.startswith('detector "env": invalid resource format: "bad" (gave up after ')
    assert "attempts)" in message  # retried more than once within the timeout
