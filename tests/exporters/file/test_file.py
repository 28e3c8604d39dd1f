"""The file exporter: framing per format/compression, one shared instance, rotation, append,
group_by, flushing, config errors, self-metrics. Files are read back with ``read_file``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.exporters.file import create_factory, read_file
from support import EXAMPLES

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.consumer import PermanentError
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.pdata.otlpjson import from_json
from pyotelcol.testing import NopHost, make_settings, metric_values

SIGNALS = (Signal.TRACES, Signal.METRICS, Signal.LOGS)
BACKUP = re.compile(r"^data-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}-size\.json$")


def example(name: str, cls: type[Traces] | type[Metrics] | type[Logs]) -> AnyData:
    return cls(from_json((EXAMPLES / name).read_bytes(), cls.message_type))  # type: ignore[arg-type]


def examples() -> list[AnyData]:
    return [
        example("trace.json", Traces),
        example("metrics.json", Metrics),
        example("logs.json", Logs),
        example("events.json", Logs),
    ]


def wire(data: AnyData) -> AnyData:
    """The same request as a receiver hands it on: decoded from wire bytes, read-only."""
    out = type(data).from_wire(data.message.SerializeToString())
    out.mark_read_only()
    return out


def kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def spans_with(segments: Sequence[str | None], name: str = "s", pad: int = 0) -> Traces:
    """One resource (one span) per segment; ``None`` = resource without the group attribute."""
    msg = Traces.message_type()
    for i, seg in enumerate(segments):
        rs = msg.resource_spans.add()
        if seg is not None:
            rs.resource.attributes.append(kv("fileexporter.path_segment", seg))
        span = rs.scope_spans.add().spans.add(
            name=f"{name}{i}", trace_id=bytes([i + 1] * 16), span_id=bytes([i + 1] * 8)
        )
        if pad:
            span.attributes.append(kv("pad", "x" * pad))
    return Traces(msg)


def make_config(raw: dict[str, Any]) -> Any:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    assert validate(cfg, "exporters::file") == []
    return cfg


def exporters_for(cfg: Any, reader: InMemoryMetricReader | None = None) -> dict[Signal, Any]:
    factory = create_factory()
    base = make_settings("file", Kind.EXPORTER, None, reader)  # one meter for the three signals
    return {s: factory.create_for(s, dataclasses.replace(base, signal=s), cfg) for s in SIGNALS}


def run(cfg: Any, datas: Sequence[AnyData], reader: InMemoryMetricReader | None = None) -> None:
    exps = exporters_for(cfg, reader)

    async def go() -> None:
        for exp in exps.values():
            await exp.start(NopHost())
        for data in datas:
            await exps[data.signal].consume(data)
        for exp in exps.values():
            await exp.shutdown()

    asyncio.run(go())


def parse(entries: list[Any], fmt: str) -> list[Any]:
    """File entries back to request messages (JSON: the top-level key tells the type)."""
    out = []
    for entry in entries:
        if fmt == "json":
            key = next(iter(entry))
            classes: dict[str, type[Traces] | type[Metrics] | type[Logs]] = {
                "resourceSpans": Traces,
                "resourceMetrics": Metrics,
                "resourceLogs": Logs,
            }
            out.append(from_json(json.dumps(entry), classes[key].message_type))
        else:
            out.append(entry)
    return out


def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert factory.type == "file"
    assert dict(factory.stability) == {s: StabilityLevel.ALPHA for s in SIGNALS}
    cfg = factory.create_default_config()
    assert (cfg.path, cfg.append, cfg.format, cfg.compression, cfg.encoding) == ("", False, "json", "", None)
    assert cfg.flush_interval.total_seconds() == 1 and not cfg.rotation.enabled
    assert (cfg.group_by.enabled, cfg.group_by.resource_attribute, cfg.group_by.max_open_files) == (
        False,
        "fileexporter.path_segment",
        100,
    )
    assert (cfg.create_directory, cfg.directory_permissions) == (False, "")


@pytest.mark.parametrize(("fmt", "compression"), [("json", ""), ("proto", ""), ("json", "zstd"), ("proto", "zstd")])
def test_every_signal_round_trips(tmp_path: Path, fmt: str, compression: str) -> None:
    out = tmp_path / "out.data"
    datas = [wire(d) for d in examples()] + [wire(spans_with(["a", None, "b"]))]
    run(make_config({"path": str(out), "format": fmt, "compression": compression}), datas)
    entries = read_file(str(out), fmt, compression)
    assert len(entries) == len(datas)
    for entry, data in zip(parse(entries, fmt), datas, strict=True):
        if fmt == "proto":
            assert entry == data.to_wire()  # the received bytes, reused
            entry = data.message_type.FromString(entry)
        assert entry == data.message
    raw = out.read_bytes()
    if fmt == "json" and not compression:
        lines = raw.split(b"\n")
        assert lines[-1] == b"" and len(lines) == len(datas) + 1
        assert lines[0].startswith(b'{"resourceSpans":[{"resource":')
        assert b'"traceId":"0af7651916cd43dd8448eb211c80319c"' in lines[0]
        assert b'"startTimeUnixNano":"1700000000000000000"' in lines[0]
    else:
        first = int.from_bytes(raw[:4], "big")
        assert 4 + first < len(raw)
        if compression == "zstd":
            assert raw[4:8] == b"\x28\xb5\x2f\xfd"  # each message is its own zstd frame


def test_one_instance_per_config_for_all_signals(tmp_path: Path) -> None:
    cfg = make_config({"path": str(tmp_path / "o.json")})
    exps = exporters_for(cfg)
    cores = {id(e.core) for e in exps.values()}
    assert len(cores) == 1
    other = exporters_for(make_config({"path": str(tmp_path / "p.json")}))
    assert other[Signal.TRACES].core is not exps[Signal.TRACES].core
    for exp in exps.values():
        assert exp.capabilities.mutates_data is False


def test_truncates_by_default_and_appends_on_request(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    out.write_text('{"old":true}\n')
    run(make_config({"path": str(out)}), [example("trace.json", Traces)])
    assert [list(e) for e in read_file(str(out))] == [["resourceSpans"]]
    run(make_config({"path": str(out), "append": True}), [example("logs.json", Logs)])
    assert [list(e) for e in read_file(str(out))] == [["resourceSpans"], ["resourceLogs"]]


def test_shutdown_flushes_everything(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    exps = exporters_for(make_config({"path": str(out), "flush_interval": "1h"}))
    before: list[int] = []

    async def go() -> None:
        for exp in exps.values():
            await exp.start(NopHost())
        for i in range(200):
            await exps[Signal.TRACES].consume(spans_with(["x"], name=f"n{i}-"))
        await exps[Signal.METRICS].consume(example("metrics.json", Metrics))
        before.append(out.stat().st_size)
        for exp in exps.values():
            await exp.shutdown()

    asyncio.run(go())
    assert before == [0]  # buffered in memory until the flush
    entries = read_file(str(out))
    names = [e["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for e in entries[:200]]
    assert names == [f"n{i}-0" for i in range(200)]
    assert "resourceMetrics" in entries[200]


def test_flushes_every_interval(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    exps = exporters_for(make_config({"path": str(out), "flush_interval": "20ms"}))

    async def go() -> None:
        await exps[Signal.LOGS].start(NopHost())
        await exps[Signal.LOGS].consume(example("logs.json", Logs))
        deadline = time.monotonic() + 10
        while out.stat().st_size == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert out.stat().st_size > 0  # written by the timer, before shutdown
        await exps[Signal.LOGS].shutdown()

    asyncio.run(go())
    assert len(read_file(str(out))) == 1


def test_rotation_names_backups_and_keeps_max_backups(tmp_path: Path) -> None:
    out = tmp_path / "data.json"
    # ~300 KB per request, 1 MiB per file -> 3 requests per file
    datas = [spans_with([None], name=f"r{i}-", pad=300_000) for i in range(12)]
    run(make_config({"path": str(out), "rotation": {"max_megabytes": 1, "max_backups": 2}}), datas)
    backups = sorted(p.name for p in tmp_path.iterdir() if p.name != "data.json")
    assert len(backups) == 2, backups
    assert all(BACKUP.match(name) for name in backups), backups
    current = [e["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for e in read_file(str(out))]
    assert current == ["r9-0", "r10-0", "r11-0"]
    kept = [read_file(str(tmp_path / b)) for b in backups]
    assert [[e["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for e in k] for k in kept] == [
        ["r3-0", "r4-0", "r5-0"],
        ["r6-0", "r7-0", "r8-0"],
    ]


def test_rotation_keeps_every_item_with_default_backups(tmp_path: Path) -> None:
    out = tmp_path / "data.json"
    datas = [spans_with([None], name=f"r{i}-", pad=400_000) for i in range(7)]
    run(make_config({"path": str(out), "rotation": None}), datas[:1])  # `rotation:` alone turns it on
    assert not any(BACKUP.match(p.name) for p in tmp_path.iterdir())
    run(make_config({"path": str(out), "rotation": {"max_megabytes": 1}}), datas[1:])
    files = [*sorted(p for p in tmp_path.iterdir() if BACKUP.match(p.name)), out]
    names = [e["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for f in files for e in read_file(str(f))]
    assert names == [f"r{i}-0" for i in range(7)]  # rotation reuses the existing file first
    assert all(f.stat().st_size <= 1024 * 1024 for f in files)


def test_write_larger_than_max_size_is_rejected(tmp_path: Path) -> None:
    exps = exporters_for(make_config({"path": str(tmp_path / "d.json"), "rotation": {"max_megabytes": 1}}))

    async def go() -> None:
        await exps[Signal.TRACES].start(NopHost())
        with pytest.raises(PermanentError, match="exceeds maximum file size 1048576"):
            await exps[Signal.TRACES].consume(spans_with([None], pad=1_100_000))
        await exps[Signal.TRACES].shutdown()

    asyncio.run(go())


def test_group_by_writes_one_file_per_attribute_value(tmp_path: Path) -> None:
    cfg = make_config({"path": str(tmp_path / "out" / "*" / "data.json"), "group_by": {"enabled": True}})
    run(cfg, [wire(spans_with(["a", "b", None, "a"])), wire(spans_with(["../../escape"], name="e"))])
    a = read_file(str(tmp_path / "out" / "a" / "data.json"))
    b = read_file(str(tmp_path / "out" / "b" / "data.json"))
    assert [[s["name"] for rs in e["resourceSpans"] for s in rs["scopeSpans"][0]["spans"]] for e in a] == [["s0", "s3"]]
    assert [[s["name"] for rs in e["resourceSpans"] for s in rs["scopeSpans"][0]["spans"]] for e in b] == [["s1"]]
    # a traversal attempt stays under the directory part of path
    assert read_file(str(tmp_path / "out" / "escape" / "data.json"))
    assert not (tmp_path / "escape").exists()
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json"))
    assert written == ["out/a/data.json", "out/b/data.json", "out/escape/data.json"]


def test_group_by_max_open_files_reopens_in_append_mode(tmp_path: Path) -> None:
    cfg = make_config(
        {
            "path": str(tmp_path / "g-*.json"),
            "flush_interval": "1h",
            "group_by": {"enabled": True, "max_open_files": 1, "resource_attribute": "fileexporter.path_segment"},
        }
    )
    datas = [spans_with([seg], name=f"{seg}{i}-") for i, seg in enumerate(["a", "b", "a", "b", "a"])]
    run(cfg, datas)
    names = {
        seg: [
            e["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"]
            for e in read_file(str(tmp_path / f"g-{seg}.json"))
        ]
        for seg in "ab"
    }
    assert names == {"a": ["a0-0", "a2-0", "a4-0"], "b": ["b1-0", "b3-0"]}


def test_create_directory(tmp_path: Path) -> None:
    nested = tmp_path / "x" / "y" / "out.json"
    run(
        make_config({"path": str(nested), "create_directory": True, "directory_permissions": "0700"}),
        [example("trace.json", Traces)],
    )
    assert len(read_file(str(nested))) == 1
    assert (tmp_path / "x" / "y").stat().st_mode & 0o777 == 0o700 & ~_umask()

    exps = exporters_for(make_config({"path": str(tmp_path / "missing" / "out.json")}))

    async def go() -> None:
        with pytest.raises(FileNotFoundError):
            await exps[Signal.TRACES].start(NopHost())
        await exps[Signal.TRACES].shutdown()

    asyncio.run(go())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_self_metrics(tmp_path: Path) -> None:
    reader = InMemoryMetricReader()
    run(make_config({"path": str(tmp_path / "o.json")}), examples(), reader)
    values = metric_values(reader)
    assert values["otelcol_exporter_sent_spans"] == [({"exporter": "file"}, 1.0)]
    assert values["otelcol_exporter_sent_metric_points"] == [({"exporter": "file"}, 5.0)]  # one point per metric type
    assert values["otelcol_exporter_sent_log_records"] == [({"exporter": "file"}, 2.0)]


def test_consume_after_shutdown_is_refused(tmp_path: Path) -> None:
    unstarted = exporters_for(make_config({"path": str(tmp_path / "never.json")}))
    exps = exporters_for(make_config({"path": str(tmp_path / "o.json")}))

    async def go() -> None:
        await unstarted[Signal.TRACES].shutdown()  # safe without start
        await unstarted[Signal.TRACES].shutdown()
        exp = exps[Signal.TRACES]
        await exp.start(NopHost())
        await exp.shutdown()
        await exp.shutdown()
        with pytest.raises(Exception, match="not running"):
            await exp.consume(example("trace.json", Traces))

    asyncio.run(go())


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({}, "path must be non-empty"),
        (
            {"path": "o", "append": True, "compression": "zstd"},
            "append and compression enabled at the same time is not supported",
        ),
        (
            {"path": "o", "append": True, "rotation": {}},
            "append and rotation enabled at the same time is not supported",
        ),
        ({"path": "o", "format": "text"}, "format type is not supported"),
        ({"path": "o", "compression": "gzip"}, "compression is not supported"),
        ({"path": "o", "flush_interval": "-1s"}, "flush_interval must be larger than zero"),
        ({"path": "o", "group_by": {"enabled": True}}, "path must contain exactly one * when group_by is enabled"),
        ({"path": "a*b*c", "group_by": {"enabled": True}}, "path must contain exactly one * when group_by is enabled"),
        ({"path": "*.json", "group_by": {"enabled": True}}, "path must not start with * when group_by is enabled"),
        (
            {"path": "d/*.json", "group_by": {"enabled": True, "resource_attribute": ""}},
            "resource_attribute must not be empty when group_by is enabled",
        ),
        ({"path": "o", "directory_permissions": "0700"}, "directory_permissions requires create_directory to be true"),
        (
            {"path": "o", "create_directory": True, "directory_permissions": "0799"},
            "directory_permissions value must be a valid octal representation",
        ),
        (
            {"path": "o", "create_directory": True, "directory_permissions": "1777"},
            "directory_permissions contain invalid bits for file access",
        ),
        ({"path": "o", "encoding": "otlp_encoding"}, "encoding extensions are not supported by pyotelcol yet"),
    ],
)
def test_config_errors(raw: dict[str, Any], error: str) -> None:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    errors = validate(cfg, "exporters::file")
    assert len(errors) == 1 and error in errors[0], errors


def test_config_values() -> None:
    cfg = make_config({"path": "o", "flush_interval": 0, "rotation": {}})
    assert cfg.effective_flush_interval.total_seconds() == 1  # 0 means the default
    rot = cfg.rotation.value
    assert cfg.rotation.enabled and (rot.max_megabytes, rot.max_days, rot.max_backups, rot.localtime) == (
        100,
        0,
        100,
        False,
    )
    assert not make_config({"path": "o"}).rotation.enabled
    assert make_config({"path": "o", "create_directory": True}).directory_mode == 0o755
    factory = create_factory()
    with pytest.raises(DecodeError, match="has invalid keys: max_size"):
        decode(type(factory.create_default_config()), {"path": "o", "rotation": {"max_size": 1}})
