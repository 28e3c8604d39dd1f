"""exporterhelper config: Go's keys, defaults and validation messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from pyotelcol.config import DecodeError, OptionalSection, decode, validate
from pyotelcol.helpers.exporterhelper import (
    CircuitBreakerConfig,
    QueueConfig,
    RetryConfig,
    default_queue,
    validate_timeout,
)


@dataclass
class ExporterConfig:
    """The shape an exporter embeds (Go's exporterhelper settings)."""

    timeout: timedelta = timedelta(seconds=5)
    retry_on_failure: RetryConfig = field(default_factory=RetryConfig)
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=default_queue)
    circuit_breaker: CircuitBreakerConfig = field(default_factory=CircuitBreakerConfig)

    def validate(self) -> None:
        validate_timeout(self.timeout)


def errors(raw: dict[str, Any]) -> list[str]:
    return validate(decode(ExporterConfig, raw), "exporters::otlp")


def test_defaults() -> None:
    cfg = decode(ExporterConfig, {})
    q = cfg.sending_queue
    assert q.enabled
    assert (q.value.num_consumers, q.value.queue_size, q.value.sizer) == (10, 1000, "requests")
    assert (q.value.block_on_overflow, q.value.wait_for_result, q.value.storage) == (False, False, None)
    assert not q.value.batch.enabled
    b = q.value.batch.value
    assert (b.flush_timeout, b.min_size, b.max_size) == (timedelta(milliseconds=200), 8192, 0)
    assert not default_queue(enabled=False).enabled
    assert errors({}) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"timeout": "-1s"}, "'timeout' must be non-negative"),
        (
            {"retry_on_failure": {"initial_interval": "-1s"}},
            "initial_interval value must be greater than or equal to 0",
        ),
        ({"retry_on_failure": {"multiplier": -1}}, "multiplier value must be greater than or equal to 0"),
        (
            {"retry_on_failure": {"randomization_factor": 2}},
            "randomization_factor value must be less than or equal to 1",
        ),
        (
            {"retry_on_failure": {"randomization_factor": -0.5}},
            "randomization_factor value must be greater than or equal to 0",
        ),
        ({"retry_on_failure": {"max_interval": "-1s"}}, "max_interval value must be greater than or equal to 0"),
        (
            {"retry_on_failure": {"max_elapsed_time": "1s"}},
            "'max_elapsed_time' must not be less than 'initial_interval'",
        ),
        (
            {"retry_on_failure": {"max_elapsed_time": "10s", "initial_interval": "1s"}},
            "'max_elapsed_time' must not be less than 'max_interval'",
        ),
        ({"sending_queue": {"num_consumers": 0}}, "`num_consumers` must be positive"),
        ({"sending_queue": {"queue_size": 0}}, "`queue_size` must be positive"),
        ({"sending_queue": {"sizer": "pages"}}, 'invalid sizer: "pages"'),
        (
            {"sending_queue": {"storage": "file_storage", "wait_for_result": True}},
            "`wait_for_result` is not supported with a persistent queue configured with `storage`",
        ),
        ({"sending_queue": {"batch": {"flush_timeout": "0s"}}}, "`flush_timeout` must be positive, found 0"),
        ({"sending_queue": {"batch": {"min_size": -1}}}, "`min_size` must be non-negative, found -1"),
        ({"sending_queue": {"batch": {"max_size": -1}}}, "`max_size` must be non-negative, found -1"),
        (
            {"sending_queue": {"batch": {"min_size": 10, "max_size": 5}}},
            "`max_size` (5) must be greater or equal to `min_size` (10)",
        ),
        (
            {"sending_queue": {"batch": {"sizer": "requests"}}},
            '`batch` supports only `items` or `bytes` sizer, found "requests"',
        ),
        (
            {"sending_queue": {"sizer": "items", "queue_size": 100, "batch": {}}},
            "`min_size` must be less than or equal to `queue_size`",
        ),
        (
            {"sending_queue": {"batch": {"partition": {"metadata_keys": ["Tenant", "tenant"]}}}},
            'duplicate entry in metadata_keys: "tenant" (case-insensitive)',
        ),
        ({"circuit_breaker": {"enabled": True, "failure_threshold": 0}}, "'failure_threshold' must be positive"),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    found = errors(raw)
    assert any(e.endswith(": " + message) for e in found), found


def test_retry_errors_are_all_reported_even_when_disabled() -> None:
    found = errors({"retry_on_failure": {"enabled": False, "multiplier": -1, "randomization_factor": 3}})
    assert [e.split(": ", 1)[1] for e in found] == [
        "multiplier value must be greater than or equal to 0",
        "randomization_factor value must be less than or equal to 1",
    ]


def test_flush_timeout_is_printed_in_nanoseconds() -> None:
    found = errors({"sending_queue": {"batch": {"flush_timeout": "-1ms"}}})
    assert found and found[0].endswith("`flush_timeout` must be positive, found -1000000")


def test_disabled_queue_is_not_validated() -> None:
    assert errors({"sending_queue": {"enabled": False, "num_consumers": 0}}) == []


def test_batch_section_turns_on_from_empty_or_null() -> None:
    assert decode(ExporterConfig, {"sending_queue": {"batch": None}}).sending_queue.value.batch.enabled
    assert decode(ExporterConfig, {"sending_queue": {"batch": {}}}).sending_queue.value.batch.enabled


def test_batch_sizer_follows_the_queue_sizer() -> None:
    q = decode(ExporterConfig, {"sending_queue": {"sizer": "bytes", "batch": {}}}).sending_queue.value
    assert q.batch.value.effective_sizer(q.sizer) == "bytes"
    q = decode(ExporterConfig, {"sending_queue": {"batch": {}}}).sending_queue.value
    assert q.batch.value.effective_sizer(q.sizer) == "items"


def test_unknown_and_removed_keys_are_rejected() -> None:
    with pytest.raises(DecodeError, match="has invalid keys: blocking"):
        decode(ExporterConfig, {"sending_queue": {"blocking": True}})


def test_invalid_storage_id() -> None:
    found = errors({"sending_queue": {"storage": "file storage!"}})
    assert found and "invalid character(s) in type" in found[0]
