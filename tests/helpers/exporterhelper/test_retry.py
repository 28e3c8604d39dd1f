"""retry_on_failure and timeout: Go's back-off arithmetic, stop conditions, log lines and metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import (
    Backend,
    fast_retry,
    fields,
    make,
    permanent,
    records,
    retryable,
    traces,
)

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import RetryConfig
from pyotelcol.helpers.exporterhelper.retry import ExponentialBackoff
from pyotelcol.testing import NopHost

MS = 1_000_000


def test_backoff_defaults_match_go() -> None:
    cfg = RetryConfig()
    assert (cfg.enabled, cfg.initial_interval, cfg.randomization_factor, cfg.multiplier) == (
        True,
        timedelta(seconds=5),
        0.5,
        1.5,
    )
    assert (cfg.max_interval, cfg.max_elapsed_time) == (timedelta(seconds=30), timedelta(minutes=5))


def test_backoff_grows_by_multiplier_and_caps_at_max_interval() -> None:
    b = ExponentialBackoff(RetryConfig(randomization_factor=0.0))
    delays = [b.next_ns() // MS for _ in range(8)]
    assert delays == [5000, 7500, 11250, 16875, 25312, 30000, 30000, 30000]


def test_backoff_jitter_spans_the_randomization_interval() -> None:
    cfg = RetryConfig()  # 5s ± 50%
    low = ExponentialBackoff(cfg, rand=lambda: 0.0).next_ns()
    high = ExponentialBackoff(cfg, rand=lambda: 0.999999999).next_ns()
    mid = ExponentialBackoff(cfg, rand=lambda: 0.5).next_ns()
    assert low == 2_500_000_000
    assert 7_499_000_000 < high <= 7_500_000_001
    assert abs(mid - 5_000_000_000) < 2
    # Jitter applies around the capped interval too (as cenkalti/backoff does).
    b = ExponentialBackoff(RetryConfig(initial_interval=timedelta(seconds=30)), rand=lambda: 0.0)
    assert [b.next_ns() // MS for _ in range(2)] == [15000, 15000]


def test_backoff_with_multiplier_zero_stays_at_initial_interval() -> None:
    b = ExponentialBackoff(RetryConfig(randomization_factor=0.0, multiplier=0.0))
    assert [b.next_ns() // MS for _ in range(3)] == [5000, 5000, 5000]


def test_retries_until_success_and_logs_go_line(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        h = make(Backend(failures=[retryable("conn refused"), retryable("conn refused"), None]))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(4))
        assert h.backend.attempts == 3 and h.backend.items() == 4
        lines = records(logs, "Exporting failed. Will retry the request after interval.")
        assert [fields(r)["interval"] for r in lines] == ["5ms", "10ms"]
        assert fields(lines[0])["error"] == "conn refused"
        assert all(r.levelname == "INFO" for r in lines)
        assert h.metric("otelcol_exporter_sent_spans", exporter=str(h.helper._settings.id)) == 4
        assert h.metric("otelcol_exporter_send_failed_spans") is None
        await h.helper.shutdown()

    asyncio.run(run())


def test_permanent_error_is_not_retried(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        h = make(Backend(fail_always=permanent("invalid span")))
        await h.helper.start(NopHost())
        with pytest.raises(PermanentError) as info:
            await h.helper.consume(traces(2))
        assert str(info.value) == "not retryable error: Permanent error: invalid span"
        assert h.backend.attempts == 1
        assert not records(logs, "Exporting failed. Will retry")
        rejected = records(logs, "Exporting failed. Rejecting data.")
        assert len(rejected) == 1 and rejected[0].levelname == "ERROR"
        assert fields(rejected[0]) == {
            "error": "not retryable error: Permanent error: invalid span",
            "rejected_items": 2,
        }
        assert h.metric("otelcol_exporter_send_failed_spans") == 2
        await h.helper.shutdown()

    asyncio.run(run())


def test_retry_after_hint_raises_the_delay(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        h = make(Backend(failures=[retryable("throttled", retry_after=0.05), None]))
        await h.helper.start(NopHost())
        await h.helper.consume(traces())
        lines = records(logs, "Exporting failed. Will retry the request after interval.")
        assert [fields(r)["interval"] for r in lines] == ["50ms"]
        assert h.backend.attempts == 2
        await h.helper.shutdown()

    asyncio.run(run())


def test_max_elapsed_time_stops_retrying(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        retry = fast_retry(multiplier=1.0, max_elapsed_time=timedelta(milliseconds=40))
        h = make(Backend(fail_always=retryable("down")), retry=retry)
        await h.helper.start(NopHost())
        with pytest.raises(ConsumerError) as info:
            await h.helper.consume(traces())
        assert not isinstance(info.value, PermanentError)
        assert str(info.value) == "no more retries left: down"
        assert 2 <= h.backend.attempts <= 9
        assert h.metric("otelcol_exporter_send_failed_spans") == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_retry_after_beyond_budget_gives_up_at_once() -> None:
    async def run() -> None:
        retry = fast_retry(max_elapsed_time=timedelta(seconds=1))
        h = make(Backend(fail_always=retryable("slow down", retry_after=30)), retry=retry)
        await h.helper.start(NopHost())
        with pytest.raises(ConsumerError, match=r"^no more retries left: slow down$") as info:
            await h.helper.consume(traces())
        assert info.value.retry_after == 30  # the hint still reaches the client
        assert h.backend.attempts == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_disabled_retry_returns_the_error_with_go_hint(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        h = make(Backend(fail_always=retryable("down")), retry=RetryConfig(enabled=False))
        await h.helper.start(NopHost())
        with pytest.raises(ConsumerError, match=r"^down$"):
            await h.helper.consume(traces())
        assert h.backend.attempts == 1
        (line,) = records(logs, "Exporting failed. Rejecting data.")
        assert line.getMessage() == (
            "Exporting failed. Rejecting data. Try enabling retry_on_failure config option to retry on retryable errors."
        )
        await h.helper.shutdown()

    asyncio.run(run())


def test_plain_exceptions_are_retryable() -> None:
    async def run() -> None:
        h = make(Backend(failures=[ConnectionRefusedError("connection refused"), None]))
        await h.helper.start(NopHost())
        await h.helper.consume(traces())
        assert h.backend.attempts == 2
        await h.helper.shutdown()

    asyncio.run(run())


def test_timeout_applies_per_attempt(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        gate = asyncio.Event()
        backend = Backend(gate=gate)
        h = make(backend, timeout=timedelta(milliseconds=30))

        async def open_gate_later() -> None:
            await asyncio.sleep(0.05)
            gate.set()

        task = asyncio.ensure_future(open_gate_later())
        await h.helper.start(NopHost())
        await h.helper.consume(traces())
        await task
        lines = records(logs, "Exporting failed. Will retry the request after interval.")
        assert lines and fields(lines[0])["error"] == "context deadline exceeded"
        assert backend.attempts >= 2 and backend.items() == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_zero_timeout_disables_it() -> None:
    async def run() -> None:
        h = make(Backend(delay=0.05), timeout=timedelta(0), retry=RetryConfig(enabled=False))
        await h.helper.start(NopHost())
        await h.helper.consume(traces())
        assert h.backend.items() == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_shutdown_interrupts_the_backoff() -> None:
    async def run() -> None:
        retry = fast_retry(
            initial_interval=timedelta(seconds=30), max_interval=timedelta(seconds=30), max_elapsed_time=timedelta(0)
        )
        h = make(Backend(fail_always=retryable("down")), retry=retry)
        await h.helper.start(NopHost())
        task = asyncio.ensure_future(h.helper.consume(traces()))
        while h.backend.attempts < 1:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)
        await h.helper.shutdown()
        with pytest.raises(ConsumerError, match=r"^interrupted due to shutdown: down$"):
            await task

    asyncio.run(run())
