"""Config errors of the filter processor, reported by ``pyotelcol validate`` with Go's messages.

All broken filters sit in one config: ``validate`` reports every component's error at once, so
one process checks them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from support import run_cli

BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "mixed_traces": (
        {"trace_conditions": ['span.name == "a"'], "traces": {"span": ['name == "a"']}},
        'cannot use context inferred trace conditions "trace_conditions" and the settings "traces.resource", '
        '"traces.span", "traces.spanevent" at the same time',
    ),
    "mixed_metrics": (
        {"metric_conditions": ['metric.name == "a"'], "metrics": {"include": {"match_type": "strict"}}},
        'cannot use context inferred metric conditions "metric_conditions" and the settings "metrics.resource", '
        '"metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" at the same time',
    ),
    "legacy_spans_and_traces": (
        {
            "traces": {"span": ['name == "a"']},
            "spans": {"include": {"match_type": "strict", "span_names": ["a"]}},
        },
        'cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", '
        '"spans.exclude" at the same time',
    ),
    "legacy_logs_mixed": (
        {"logs": {"log_record": ['body == "a"'], "exclude": {"match_type": "strict", "bodies": ["a"]}}},
        'cannot use "logs.resource", "logs.log" and the settings "logs.include", "logs.exclude" at the same time',
    ),
    "styles": (
        {"trace_conditions": ['span.name == "a"', {"conditions": ['span.name == "b"']}]},
        "configuring multiple configuration styles is not supported, please use only Basic configuration or only "
        "Advanced configuration",
    ),
    "null_condition": ({"log_conditions": [None]}, "condition cannot be empty"),
    "unknown_context": (
        {"trace_conditions": [{"context": "Spans", "conditions": ['name == "a"']}]},
        "'trace_conditions[0].context' unknown context spans",
    ),
    "group_key": (
        {"trace_conditions": [{"contxt": "span", "conditions": ['name == "a"']}]},
        "'trace_conditions[0]' has invalid keys: contxt",
    ),
    "error_mode": ({"error_mode": "loud", "trace_conditions": ['span.name == "a"']}, "unknown error mode loud"),
    "bad_path": (
        {"trace_conditions": ['span.nme == "a"']},
        'unable to parse OTTL condition "span.nme == \\"a\\""',
    ),
    "datapoint_function": (
        {"metrics": {"datapoint": ['HasAttrKeyOnDatapoint("k")']}},
        'function "HasAttrKeyOnDatapoint" is not supported in the "datapoint" context',
    ),
    "expr": (
        {"metrics": {"include": {"match_type": "expr", "expressions": ['Label("x") == "y"']}}},
        'metrics.include: match_type "expr" (expr-lang expressions) is not supported by pyotelcol',
    ),
    "span_log_field": (
        {"spans": {"exclude": {"match_type": "strict", "log_bodies": ["x"]}}},
        "log_bodies should not be specified for trace spans",
    ),
    "span_nothing": (
        {"spans": {"include": {"match_type": "strict"}}},
        'at least one of "attributes", "libraries",  or "resources" field must be specified',
    ),
    "severity": (
        {"logs": {"include": {"match_type": "strict", "severity_number": {"min": "loud"}}}},
        "'loud' is not a valid severity: not a valid severity",
    ),
    "regexp": (
        {"metrics": {"exclude": {"match_type": "regexp", "metric_names": ["up("]}}},
        "error parsing regexp: missing closing ): `up(`",
    ),
    "match_type": (
        {"logs": {"exclude": {"match_type": "glob", "bodies": ["a*"]}}},
        "failed to build skip matcher: error creating log record body filters: unrecognized match_type: 'glob', "
        "valid types are: [regexp strict]",
    ),
}


@pytest.fixture(scope="module")
def validate_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    names = list(BROKEN)
    config = {
        "receivers": {"nop": {}},
        "processors": {f"filter/{name}": cfg for name, (cfg, _) in BROKEN.items()},
        "exporters": {"nop": {}},
        "service": {
            "pipelines": {
                "traces": {"receivers": ["nop"], "processors": [f"filter/{n}" for n in names], "exporters": ["nop"]}
            }
        },
    }
    path = tmp_path_factory.mktemp("filter-config") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    return str(result.stderr)


@pytest.mark.parametrize("name", list(BROKEN))
def test_validate_names_the_problem(validate_output: str, name: str) -> None:
    lines = [line for line in validate_output.splitlines() if f"processors::filter/{name}: " in line]
    assert lines, validate_output
    assert BROKEN[name][1] in "\n".join(lines), validate_output


def test_valid_configs_of_every_style_pass(tmp_path: Path) -> None:
    config = {
        "receivers": {"nop": {}},
        "processors": {
            "filter/current": {
                "error_mode": "silent",
                "trace_conditions": ['span.attributes["http.route"] == "/healthz"'],
                "metric_conditions": [{"context": "metric", "conditions": ['HasAttrKeyOnDatapoint("k")']}],
                "log_conditions": ["log.severity_number < SEVERITY_NUMBER_INFO"],
            },
            "filter/legacy": {
                "spans": {"exclude": {"match_type": "regexp", "span_kinds": ["CLIENT"]}},
                "metrics": {"exclude": {"match_type": "strict", "metric_names": ["up"]}},
                "logs": {"include": {"match_type": "regexp", "bodies": ["^important"]}},
            },
            # Go accepts profile settings; pyotelcol has no profiles pipelines to run them in
            "filter/profiles": {"profiles": {"profile": ['IsMatch(resource.attributes["service.name"], "x")']}},
        },
        "exporters": {"nop": {}},
        "service": {
            "pipelines": {
                "traces": {
                    "receivers": ["nop"],
                    "processors": ["filter/current", "filter/legacy"],
                    "exporters": ["nop"],
                },
                "metrics": {
                    "receivers": ["nop"],
                    "processors": ["filter/current", "filter/legacy"],
                    "exporters": ["nop"],
                },
                "logs": {
                    "receivers": ["nop"],
                    "processors": ["filter/current", "filter/profiles"],
                    "exporters": ["nop"],
                },
            }
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 0, result.stderr
