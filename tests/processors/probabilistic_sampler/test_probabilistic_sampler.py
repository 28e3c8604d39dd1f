"""The ``probabilistic_sampler`` processor in a running collector: cases of ``vectors.json``
(decisions recorded from Go's own processor, see ``test_sampler_vectors.py``) sent as OTLP/JSON over
HTTP, the kept items read back from the file exporter, the self-metrics from the Prometheus
endpoint; the README's examples and config errors through ``pyotelcol validate``."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, run_cli, series, wait_for_port

README = REPO / "processors" / "probabilistic_sampler" / "README.md"
VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
PREFIX = "otelcol_processor_probabilistic_sampler_"


def _find(signal: str, items: str, **config: Any) -> dict[str, Any]:
    for case in VECTORS["cases"]:
        if (
            case["signal"] == signal
            and case["items"] == items
            and all(case["config"].get(k) == v for k, v in config.items())
        ):
            return dict(case)
    raise LookupError(config)


CASES = {
    "hash": _find("traces", "plain", mode="hash_seed", hash_seed=22, sampling_percentage=33.33),
    "proportional": _find(
        "traces", "stated", mode="proportional", fail_closed=False, sampling_percentage=50, sampling_precision=4
    ),
    "zero": _find("traces", "plain", sampling_percentage=0),
    "logs": _find("logs", "records", mode="hash_seed", attribute_source="record", sampling_percentage=50),
}


def _any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def _attributes(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    attrs = [{"key": "index", "value": {"intValue": str(index)}}]
    attrs += [{"key": k, "value": _any_value(v)} for k, v in item.get("attributes", {}).items()]
    attrs += [{"key": k, "value": {"bytesValue": _b64(v)}} for k, v in item.get("bytes_attributes", {}).items()]
    return attrs


def _b64(hex_text: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def _traces_body(items: list[dict[str, Any]]) -> dict[str, Any]:
    # Two resources, so that one emptied by sampling disappears and the other stays.
    spans = [
        {
            "traceId": item["trace_id"],
            "spanId": f"{i + 1:016x}",
            "name": "op",
            "traceState": item.get("trace_state", ""),
            "attributes": _attributes(item, i),
        }
        for i, item in enumerate(items)
    ]
    half = len(spans) // 2
    return {
        "resourceSpans": [
            {"resource": {}, "scopeSpans": [{"scope": {"name": "a"}, "spans": spans[:half]}]},
            {"resource": {}, "scopeSpans": [{"scope": {"name": "b"}, "spans": spans[half:]}]},
        ]
    }


def _logs_body(items: list[dict[str, Any]]) -> dict[str, Any]:
    records = [
        {**({"traceId": item["trace_id"]} if item.get("trace_id") else {}), "attributes": _attributes(item, i)}
        for i, item in enumerate(items)
    ]
    return {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": records}]}]}


def _post(port: int, path: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("sampler")
    ports = {name: free_port() for name in CASES}
    metrics_port = free_port()
    config: dict[str, Any] = {"receivers": {}, "processors": {}, "exporters": {}}
    pipelines: dict[str, Any] = {}
    for name, case in CASES.items():
        config["receivers"][f"otlp/{name}"] = {"protocols": {"http": {"endpoint": f"127.0.0.1:{ports[name]}"}}}
        config["processors"][f"probabilistic_sampler/{name}"] = case["config"]
        config["exporters"][f"file/{name}"] = {"path": str(tmp / f"{name}.json")}
        pipelines[f"{case['signal']}/{name}"] = {
            "receivers": [f"otlp/{name}"],
            "processors": [f"probabilistic_sampler/{name}"],
            "exporters": [f"file/{name}"],
        }
    config["service"] = {
        "pipelines": pipelines,
        "telemetry": {
            "metrics": {
                "readers": [{"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": metrics_port}}}}]
            }
        },
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    col = Collector(path)
    try:
        for port in ports.values():
            wait_for_port(port, col.proc)
        for name, case in CASES.items():
            items = VECTORS["items"][case["items"]]
            if case["signal"] == "traces":
                _post(ports[name], "/v1/traces", _traces_body(items))
            else:
                _post(ports[name], "/v1/logs", _logs_body(items))
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as resp:
            self_metrics = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    out: dict[str, Any] = {"self_metrics": self_metrics}
    for name in CASES:
        file = tmp / f"{name}.json"
        out[name] = read_file(str(file)) if file.exists() else []
    yield out


def _attr_value(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    return int(raw) if kind == "intValue" else raw


def _kept_spans(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for request in requests:
        for rs in request["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                assert ss["spans"], "an emptied scope was forwarded"
                for span in ss["spans"]:
                    attrs = {a["key"]: _attr_value(a["value"]) for a in span["attributes"]}
                    entry: dict[str, Any] = {"index": attrs["index"]}
                    if span.get("traceState"):
                        entry["trace_state"] = span["traceState"]
                    kept.append(entry)
    return sorted(kept, key=lambda k: k["index"])


@pytest.mark.parametrize("name", ["hash", "proportional"])
def test_the_collector_keeps_what_go_keeps(delivered: dict[str, Any], name: str) -> None:
    expected = CASES[name]["kept"]
    assert 0 < len(expected) < len(VECTORS["items"][CASES[name]["items"]])
    assert _kept_spans(delivered[name]) == expected


def test_a_resource_left_empty_is_removed(delivered: dict[str, Any]) -> None:
    kept = {k["index"] for k in CASES["hash"]["kept"]}
    half = len(VECTORS["items"]["plain"]) // 2
    assert any(i < half for i in kept) and any(i >= half for i in kept)  # both halves have survivors
    (request,) = delivered["hash"]
    assert len(request["resourceSpans"]) == 2
    (request,) = delivered["proportional"]
    expected_resources = len({k["index"] < len(VECTORS["items"]["stated"]) // 2 for k in CASES["proportional"]["kept"]})
    assert len(request["resourceSpans"]) == expected_resources


def test_nothing_is_forwarded_when_nothing_is_kept(delivered: dict[str, Any]) -> None:
    assert CASES["zero"]["kept"] == []
    assert delivered["zero"] == []


def test_log_records_keep_what_go_keeps_with_the_sampling_attributes(delivered: dict[str, Any]) -> None:
    kept = []
    for request in delivered["logs"]:
        for rl in request["resourceLogs"]:
            for sl in rl["scopeLogs"]:
                for record in sl["logRecords"]:
                    attrs = {a["key"]: _attr_value(a["value"]) for a in record["attributes"]}
                    index = attrs.pop("index")
                    kept.append({"index": index, "attributes": attrs})
    assert sorted(kept, key=lambda k: k["index"]) == CASES["logs"]["kept"]


def test_self_metrics_count_every_item_by_policy(delivered: dict[str, Any]) -> None:
    text = delivered["self_metrics"]
    items = len(VECTORS["items"]["plain"])
    kept = len(CASES["hash"]["kept"])
    for name in ("count_spans_processed", "count_traces_sampled"):
        sampled = series(text, PREFIX + name, policy="trace_id_hash", sampled="true")
        dropped = series(text, PREFIX + name, policy="trace_id_hash", sampled="false")
        # only the hash case hashes trace IDs; its all-zero trace ID has no randomness
        assert sum(sampled) == kept
        assert sum(dropped) == items - 1 - kept
        assert sum(series(text, PREFIX + name)) == sum(
            len(VECTORS["items"][CASES[c]["items"]]) for c in CASES if c != "logs"
        )
    logs_total = sum(v for v in series(text, PREFIX + "count_logs_sampled"))
    assert logs_total == len(VECTORS["items"]["records"])
    assert sum(series(text, PREFIX + "count_logs_sampled", policy="rid", sampled="true")) > 0


def test_every_readme_example_validates(tmp_path: Path) -> None:
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    config = {
        "receivers": {"nop": {}},
        "processors": found,
        "exporters": {"nop": {}},
        "service": {"pipelines": {"logs": {"receivers": ["nop"], "processors": list(found), "exporters": ["nop"]}}},
    }
    path = tmp_path / "readme.yaml"
    path.write_text(json.dumps(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 0, result.stderr


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors:
  probabilistic_sampler/negative: {sampling_percentage: -15.3}
  probabilistic_sampler/inf: {sampling_percentage: +.Inf}
  probabilistic_sampler/small: {sampling_percentage: .000000000000001}
  probabilistic_sampler/prec0: {sampling_percentage: 15.3, sampling_precision: 0}
  probabilistic_sampler/prec15: {sampling_percentage: 50, sampling_precision: 15}
  probabilistic_sampler/source: {sampling_percentage: 50, attribute_source: span}
  probabilistic_sampler/mode: {sampling_percentage: 50, mode: random}
  probabilistic_sampler/seed: {sampling_percentage: 50, hash_seed: -1}
  probabilistic_sampler/fine: {sampling_percentage: 150, mode: equalizing, sampling_precision: 14}
exporters: {nop: {}}
service:
  pipelines:
    traces:
      receivers: [nop]
      processors: [probabilistic_sampler/negative, probabilistic_sampler/inf, probabilistic_sampler/small,
                   probabilistic_sampler/prec0, probabilistic_sampler/prec15, probabilistic_sampler/source,
                   probabilistic_sampler/mode, probabilistic_sampler/seed, probabilistic_sampler/fine]
      exporters: [nop]
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.splitlines()[:8] == [
        "Error: processors::probabilistic_sampler/negative: sampling rate is negative: -15.300000%",
        "processors::probabilistic_sampler/inf: sampling rate is invalid: +Inf%",
        "processors::probabilistic_sampler/small: sampling rate is too small: 1e-15%",
        "processors::probabilistic_sampler/prec0: invalid sampling precision: 0",
        "processors::probabilistic_sampler/prec15: sampling precision is too great, should be <= 14: 15",
        "processors::probabilistic_sampler/source: invalid attribute source: span. Expected: traceID or record",
        'processors::probabilistic_sampler/mode: unsupported sampler mode "random"',
        "processors::probabilistic_sampler/seed: hash_seed must be an unsigned 32-bit integer, got -1",
    ], result.stderr
