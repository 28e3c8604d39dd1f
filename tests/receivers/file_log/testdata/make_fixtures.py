"""Record what Go's filelog receiver makes of the files here, for test_go_differential.py.

    python tests/receivers/file_log/testdata/make_fixtures.py /path/to/otelcol-with-filelog

The binary is tools/otelcol-ref with ``filelogreceiver`` (contrib v0.165.0) added to its receivers.
Each case copies its input under a temporary root, runs the collector with the case's receiver
config and an ``otlphttp`` exporter pointed at a recording endpoint, waits until no record has
arrived for two seconds, and writes the records (normalized by ``normalize``) to
``go_<case>.json``. The test runs pyotelcol the same way and compares.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

CASES: dict[str, tuple[list[str], str]] = {
    # name: (files or folders to copy under the root, receiver config with {root})
    "operators": (
        ["input.log"],
        r"""
  filelog:
    include: ["{root}/input.log"]
    start_at: beginning
    poll_interval: 50ms
    attributes: {source: diff}
    resource: {host.name: testhost}
    operators:
      - type: router
        routes:
          - {expr: 'body matches "^\\{"', output: json}
          - {expr: 'body matches "^\\d{4}-"', output: plain}
          - {expr: 'body matches ","', output: csv}
        default: tidy
      - type: json_parser
        id: json
        parse_ints: true
        timestamp: {parse_from: attributes.ts, layout_type: epoch, layout: ms}
        severity: {parse_from: attributes.level}
        trace:
          trace_id: {parse_from: attributes.trace_id}
          span_id: {parse_from: attributes.span_id}
        output: tidy
      - type: regex_parser
        id: plain
        regex: '^(?P<ts>\S+) (?P<sev>\w+) +(?P<msg>.*)$'
        timestamp: {parse_from: attributes.ts, layout: '%Y-%m-%dT%H:%M:%S.%fZ'}
        severity: {parse_from: attributes.sev, mapping: {warn: wrn}, overwrite_text: true}
      - type: key_value_parser
        id: kv
        parse_from: attributes.msg
        parse_to: attributes.kv
        on_error: send_quiet
        output: tidy
      - type: csv_parser
        id: csv
        header: 'a,b,c'
        output: tidy
      - {type: move, id: tidy, from: attributes.msg, to: body, on_error: send_quiet}
      - {type: add, field: attributes.seen, value: true}
      - {type: remove, field: attributes.ts, on_error: send_quiet}
      - {type: copy, from: attributes.source, to: resource.src}
""",
    ),
    "multiline": (
        ["multiline.log"],
        r"""
  filelog:
    include: ["{root}/multiline.log"]
    start_at: beginning
    poll_interval: 50ms
    force_flush_period: 100ms
    include_file_record_number: true
    multiline: {line_start_pattern: '^\d{4}-\d{2}-\d{2}'}
    operators:
      - type: regex_parser
        regex: '^(?P<time>\S+ \S+) (?P<level>\w+) (?P<message>(?s:.*))$'
        timestamp: {parse_from: attributes.time, layout_type: gotime, layout: '2006-01-02 15:04:05', location: UTC}
        severity: {parse_from: attributes.level}
        on_error: send_quiet
""",
    ),
    "syslog": (
        ["syslog5424.log", "syslog3164.log"],
        """
  filelog:
    include: ["{root}/syslog*.log"]
    start_at: beginning
    poll_interval: 50ms
    operators:
      - {type: router, routes: [{expr: 'attributes["log.file.name"] == "syslog5424.log"', output: s5424}], default: s3164}
      - {type: syslog_parser, id: s5424, protocol: rfc5424, output: end}
      - {type: syslog_parser, id: s3164, protocol: rfc3164, location: UTC, output: end}
      - {type: noop, id: end}
""",
    ),
    "container": (
        ["pods"],
        """
  filelog:
    include: ["{root}/pods/*/*/*.log"]
    start_at: beginning
    poll_interval: 50ms
    include_file_path: true
    include_file_name: false
    operators:
      - {type: container, id: container-parser, max_log_size: 102400}
""",
    ),
}


def _sink_module() -> Any:
    spec = importlib.util.spec_from_file_location("file_log_conftest", HERE.parent / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE.parents[2]))  # tests/, for ``support``
    spec.loader.exec_module(module)
    return module


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values}
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "bytes_value":
        return {"bytes": v.bytes_value.hex()}
    return getattr(v, kind)


def normalize(records: list[tuple[Any, Any]], root: str) -> list[dict[str, Any]]:
    """Everything but the observed time, with the temporary root replaced by ``<root>``; sorted."""
    out = []
    for resource, rec in records:
        item = {
            "resource": resource,
            "body": _value(rec.body),
            "attributes": {kv.key: _value(kv.value) for kv in rec.attributes},
            "time": rec.time_unix_nano,
            "severity_number": rec.severity_number,
            "severity_text": rec.severity_text,
            "trace_id": rec.trace_id.hex(),
            "span_id": rec.span_id.hex(),
            "flags": rec.flags,
        }
        out.append(json.loads(json.dumps(item).replace(root, "<root>")))
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


def run_case(
    command: list[str], case: str, env: dict[str, str] | None = None, expect: int | None = None
) -> list[dict[str, Any]]:
    files, receiver = CASES[case]
    module = _sink_module()
    sink = module.LogSink()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        for name in files:
            src = HERE / name
            if src.is_dir():
                shutil.copytree(src, root / name)
            else:
                shutil.copyfile(src, root / name)
        config = Path(tmp) / "config.yaml"
        config.write_text(
            "receivers:"
            + receiver.replace("{root}", str(root))
            + f"""
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{sink.port}
    compression: none
    sending_queue: {{enabled: false}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    logs: {{receivers: [filelog], exporters: [otlphttp]}}
"""
        )
        proc = subprocess.Popen(
            [*command, "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        try:
            last, since = -1, time.monotonic()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                count = len(sink.records())
                if expect is not None and count >= expect:
                    time.sleep(0.3)  # anything beyond the expected records shows as a difference
                    break
                if count != last:
                    last, since = count, time.monotonic()
                elif count and time.monotonic() - since > 2:
                    break
                time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            sink.close()
        return normalize(sink.records(), str(root))


def main() -> None:
    binary = sys.argv[1]
    for case in CASES:
        records = run_case([binary], case)
        (HERE / f"go_{case}.json").write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
        print(f"{case}: {len(records)} records")


if __name__ == "__main__":
    main()
