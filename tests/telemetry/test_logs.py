"""The collector's own log lines: zap console/JSON encodings, fields, levels, sampling."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyotelcol.component import BuildInfo, Kind, PipelineID, Signal
from pyotelcol.config import decode
from pyotelcol.telemetry import Telemetry, TelemetryConfig

_counter = iter(range(1000))
_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4})"


@pytest.fixture
def logger_name() -> Iterator[str]:
    name = f"pyotelcol.test.logs{next(_counter)}"
    yield name
    for handler in list(logging.getLogger(name).handlers):
        logging.getLogger(name).removeHandler(handler)
        handler.close()


def _telemetry(logs: dict[str, Any], logger_name: str, path: Path, **extra: Any) -> Telemetry:
    raw = {"logs": {"output_paths": [str(path)], **logs}, "metrics": {"level": "none"}, **extra}
    return Telemetry(
        decode(TelemetryConfig, raw),
        BuildInfo("otelcol-test", "d", "9.9.9"),
        logger_name=logger_name,
        instance_id="id-1",
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_console_line_matches_zap(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry({}, logger_name, out)
    log = tel.get_logger("otlp", Kind.RECEIVER, Signal.TRACES)
    log.info("Starting GRPC server", extra={"fields": {"endpoint": "localhost:4317"}})
    tel.get_logger("batch", Kind.PROCESSOR, Signal.LOGS, PipelineID.parse("logs/x")).debug("hidden")
    (line,) = _lines(out)
    ts, level, caller, msg, fields = line.split("\t")
    assert re.fullmatch(_TS, ts)
    assert level == "info"
    assert re.fullmatch(r"telemetry/test_logs\.py:\d+", caller)
    assert msg == "Starting GRPC server"
    assert fields == (
        '{"resource": {"service.instance.id": "id-1", "service.name": "otelcol-test", "service.version": "9.9.9"}, '
        '"otelcol.component.id": "otlp", "otelcol.component.kind": "receiver", "otelcol.signal": "traces", '
        '"endpoint": "localhost:4317"}'
    )


def test_processor_fields_initial_fields_and_no_caller(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry(
        {"level": "debug", "disable_caller": True, "disable_zap_resource": True, "initial_fields": {"cluster": "c1"}},
        logger_name,
        out,
    )
    log = tel.get_logger("batch", Kind.PROCESSOR, Signal.LOGS, PipelineID.parse("logs/x"))
    log.debug("flushing %d items", 3)
    log.with_fields(attempt=2).warning("retrying")
    first, second = _lines(out)
    _, level, msg, fields = first.split("\t")
    assert (level, msg) == ("debug", "flushing 3 items")
    assert json.loads(fields) == {
        "cluster": "c1",
        "otelcol.component.id": "batch",
        "otelcol.component.kind": "processor",
        "otelcol.signal": "logs",
        "otelcol.pipeline.id": "logs/x",
    }
    assert second.split("\t")[1] == "warn"
    assert json.loads(second.split("\t")[3])["attempt"] == 2


def test_service_logger_without_fields(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry({"disable_zap_resource": True}, logger_name, out)
    tel.logger.info("Everything is ready. Begin running and processing data.")
    (line,) = _lines(out)
    assert line.split("\t")[3:] == ["Everything is ready. Begin running and processing data."]


def test_json_encoding(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    tel = _telemetry({"encoding": "json", "level": "WARN"}, logger_name, out)
    log = tel.get_logger("otlp_grpc/x", Kind.EXPORTER, Signal.METRICS)
    log.info("dropped by level")
    try:
        raise ConnectionError("connection refused")
    except ConnectionError:
        log.error("Exporting failed", exc_info=True, extra={"fields": {"dropped_items": 5}})
    (line,) = _lines(out)[:1]
    obj = json.loads(line)
    assert list(obj)[:4] == ["level", "ts", "caller", "msg"]
    assert obj["level"] == "error" and obj["msg"] == "Exporting failed"
    assert re.fullmatch(_TS, obj["ts"])
    assert obj["otelcol.component.id"] == "otlp_grpc/x" and obj["otelcol.component.kind"] == "exporter"
    assert obj["dropped_items"] == 5 and obj["error"] == "connection refused"
    assert "ConnectionError" in obj["stacktrace"]
    assert obj["resource"]["service.name"] == "otelcol-test"


def test_sampling_per_message(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry(
        {"sampling": {"initial": 2, "thereafter": 3, "tick": "1h"}, "disable_caller": True}, logger_name, out
    )
    for i in range(10):
        tel.logger.info("same message", extra={"fields": {"i": i}})
    tel.logger.info("other message")
    kept = [json.loads(line.split("\t")[3])["i"] for line in _lines(out) if "same message" in line]
    assert kept == [0, 1, 4, 7]
    assert sum("other message" in line for line in _lines(out)) == 1


def test_sampling_disabled(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry({"sampling": {"enabled": False}}, logger_name, out)
    for _ in range(30):
        tel.logger.info("same")
    assert len(_lines(out)) == 30


def test_two_outputs_count_once_for_sampling(logger_name: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    raw = {
        "logs": {"output_paths": [str(a), str(b)], "sampling": {"initial": 1, "thereafter": 0}},
        "metrics": {"level": "none"},
    }
    tel = Telemetry(decode(TelemetryConfig, raw), logger_name=logger_name)
    for _ in range(3):
        tel.logger.info("x")
    assert len(_lines(a)) == len(_lines(b)) == 1


def test_resource_in_logs_follows_config(logger_name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    tel = _telemetry(
        {"disable_caller": True}, logger_name, out, resource={"service.name": "gateway", "service.instance.id": None}
    )
    tel.logger.info("hello")
    fields = json.loads(_lines(out)[0].split("\t")[3])
    assert fields["resource"] == {"service.name": "gateway", "service.version": "9.9.9"}
