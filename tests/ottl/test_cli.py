"""``pyotelcol ottl``: statements and conditions on an OTLP JSON file or standard input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import EXAMPLES, run_cli


def test_statements_print_the_changed_request() -> None:
    result = run_cli(
        "ottl",
        "--signal",
        "traces",
        "--statement",
        'set(span.attributes["svc"], resource.attributes["service.name"])',
        "--statement",
        'set(span.name, "renamed") where span.kind == SPAN_KIND_SERVER',
        str(EXAMPLES / "trace.json"),
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["name"] == "renamed"
    assert {"key": "svc", "value": {"stringValue": "checkout"}} in span["attributes"]


def test_conditions_print_one_line_per_item_from_stdin() -> None:
    body = (EXAMPLES / "logs.json").read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyotelcol",
            "ottl",
            "--signal",
            "logs",
            "--condition",
            "log.severity_number >= SEVERITY_NUMBER_WARN",
            "-",
        ],
        input=body,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    doc = json.loads(body)
    records = doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert len(lines) == len(records)
    for i, (line, record) in enumerate(zip(lines, records, strict=True)):
        assert line.startswith(f"resource_logs[0].scope_logs[0].log_records[{i}]")
        assert line.endswith(": true" if record.get("severityNumber", 0) >= 13 else ": false")


def test_compile_errors_are_reported_as_at_start() -> None:
    result = run_cli("ottl", "--signal", "traces", "--statement", "set(span.nme, 1)", str(EXAMPLES / "trace.json"))
    assert result.returncode == 1
    assert 'Error: unable to parse OTTL statement "set(span.nme, 1)"' in result.stderr
    assert "(column 5)" in result.stderr


def test_bad_arguments() -> None:
    assert "--signal must be" in run_cli("ottl", "--statement", "set(span.name, 1)").stderr
    both = run_cli("ottl", "--signal", "traces", "--statement", "set(span.name, 1)", "--condition", "true")
    assert both.returncode == 1 and "not both" in both.stderr
    bad_json = run_cli(
        "ottl", "--signal", "traces", "--condition", 'span.name == "x"', str(EXAMPLES / "trace.json") + "x"
    )
    assert bad_json.returncode == 1
    missing = run_cli("ottl", "--signal", "traces", "--condition", 'span.name == "x"', "/nonexistent.json")
    assert missing.returncode == 1 and "cannot read /nonexistent.json" in missing.stderr


def test_event_index_exists_only_for_conditions() -> None:
    # Go's transform processor leaves spanevent.event_index unset (an execution error), which
    # statements mirror; the condition listing of this command numbers the events itself.
    traces = Path(__file__).parent / "go_differential" / "inputs" / "traces.json"
    listed = run_cli("ottl", "--signal", "traces", "--condition", "spanevent.event_index == 1", str(traces))
    assert listed.returncode == 0, listed.stderr
    assert [line.endswith(": true") for line in listed.stdout.splitlines()] == [
        line.split(".events[")[1].startswith("1]") for line in listed.stdout.splitlines()
    ]
    assert any(line.endswith(": true") for line in listed.stdout.splitlines())
    failed = run_cli(
        "ottl",
        "--signal",
        "traces",
        "--statement",
        'set(spanevent.attributes["i"], spanevent.event_index)',
        str(traces),
    )
    assert failed.returncode == 1
    assert "no 'event_index' property has been set" in failed.stderr
