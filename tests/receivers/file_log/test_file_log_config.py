"""``pyotelcol validate`` catches file_log config errors, naming the key or operator at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

BASE = """
receivers:
  {name}:
{body}
exporters:
  nop:
service:
  pipelines:
    logs:
      receivers: [{name}]
      exporters: [nop]
"""


def _validate(tmp_path: Path, body: str, name: str = "file_log") -> tuple[int, str]:
    config = tmp_path / "config.yaml"
    config.write_text(BASE.format(name=name, body=body))
    result = run_cli("validate", "--config", str(config))
    return result.returncode, result.stderr


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    start_at: beginning", "'include' is required"),
        ("    include: [/x]\n    start_at: middle", "invalid start_at location 'middle'"),
        ("    include: [/x]\n    delete_after_read: true", "'delete_after_read' cannot be used with 'start_at: end'"),
        ("    include: [/x]\n    encoding: klingon", "unsupported encoding 'klingon'"),
        ("    include: [/x]\n    fingerprint_size: lots", "'fingerprint_size'"),
        ("    include: [/x]\n    multiline: {line_start_pattern: a, line_end_pattern: b}", "only one of"),
        ("    include: [/x]\n    operators: [{type: json_parser, parse_from: nowhere.x}]", "unrecognized prefix"),
        ("    include: [/x]\n    operators: [{type: regex_parser, regex: '(?P<a>', id: r}]", "operators[0]"),
        ("    include: [/x]\n    header: {pattern: x}", "'header' is not supported by pyotelcol"),
        ("    include: [/x]\n    bogus: 1", "has invalid keys: bogus"),
        (
            "    include: [/x]\n    ordering_criteria: {sort_by: [{sort_type: numeric, regex_key: n}]}",
            "'regex' must be specified when 'sort_by' is specified",
        ),
        (
            "    include: [/x]\n    ordering_criteria: {regex: '(?P<n>\\d+)', top_n: -1, sort_by: [{sort_type: numeric}]}",
            "'top_n' must not be negative",
        ),
        (
            "    include: [/x]\n    ordering_criteria: {regex: '(?P<n>\\d+)', sort_by: [{sort_type: numeric}]}",
            "numeric sort: regex key must be specified",
        ),
        (
            "    include: [/x]\n    ordering_criteria: {regex: '(?P<t>.*)', sort_by: [{sort_type: timestamp, regex_key: t}]}",
            "timestamp sort: layout must be specified",
        ),
        ("    include: [/x]\n    ordering_criteria: {sort_by: [{regex_key: t}]}", "'sort_type' must be specified"),
        ("    include: [/x]\n    ordering_criteria: {group_by: '('}", "compile group_by regex"),
    ],
)
def test_validate_reports_the_problem(tmp_path: Path, body: str, message: str) -> None:
    code, err = _validate(tmp_path, body)
    assert code != 0
    assert message in err


def test_filelog_alias_and_preset_keys_validate(tmp_path: Path) -> None:
    body = """    include: [/var/log/pods/*/*/*.log]
    exclude: []
    start_at: end
    include_file_path: true
    include_file_name: false
    storage: file_storage
    retry_on_failure: {enabled: true}
    operators:
      - {type: container, id: container-parser, max_log_size: 102400}"""
    config = tmp_path / "config.yaml"
    config.write_text(
        BASE.format(name="filelog", body=body).replace(
            "exporters:", "extensions:\n  file_storage:\n    directory: " + str(tmp_path) + "\nexporters:", 1
        )
        + "  extensions: [file_storage]\n"
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert '"filelog" alias is deprecated; use "file_log" instead' in result.stderr
