"""Table tests of the stanza operators: config in, entry in, entry (or nothing) out."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.helpers.stanza.entry import Entry
from pyotelcol.helpers.stanza.operators import build_pipeline


def _entry(body: Any = None, attributes: dict[str, Any] | None = None, resource: dict[str, Any] | None = None) -> Entry:
    e = Entry(body, observed_timestamp=1)
    e.attributes = dict(attributes or {})
    e.resource = dict(resource or {})
    return e


def run(ops: list[dict[str, Any]], *entries: Entry) -> list[Entry]:
    pipeline = build_pipeline(ops)
    out = pipeline.run(list(entries))
    return out + pipeline.stop()


CASES: list[tuple[str, list[dict[str, Any]], Entry, dict[str, Any]]] = [
    (
        "json_parser floats by default",
        [{"type": "json_parser"}],
        _entry('{"a": 1, "b": {"c": [2, "x"]}, "d": true}'),
        {"attributes": {"a": 1.0, "b": {"c": [2.0, "x"]}, "d": True}},
    ),
    (
        "json_parser parse_ints, parse_to body",
        [{"type": "json_parser", "parse_ints": True, "parse_to": "body"}],
        _entry('{"a": 1, "f": 1.5}'),
        {"body": {"a": 1, "f": 1.5}},
    ),
    (
        "regex_parser named groups, merge into attributes",
        [{"type": "regex_parser", "regex": r"^(?P<level>\w+) (?P<msg>.*)$"}],
        _entry("WARN disk low", {"keep": "me"}),
        {"attributes": {"keep": "me", "level": "WARN", "msg": "disk low"}, "body": "WARN disk low"},
    ),
    (
        "regex_parser with embedded timestamp and severity",
        [
            {
                "type": "regex_parser",
                "regex": r"^(?P<ts>\S+) (?P<sev>\w+)",
                "timestamp": {"parse_from": "attributes.ts", "layout": "%Y-%m-%dT%H:%M:%S%z"},
                "severity": {"parse_from": "attributes.sev"},
            }
        ],
        _entry("2024-01-02T03:04:05+0100 warning"),
        {"timestamp": 1704161045_000000000, "severity": 13, "severity_text": "warning"},
    ),
    (
        "key_value_parser with quotes",
        [{"type": "key_value_parser"}],
        _entry('a=1 b="two words" c=x=y'),
        {"attributes": {"a": "1", "b": "two words", "c": "x=y"}},
    ),
    (
        "key_value_parser custom delimiters",
        [{"type": "key_value_parser", "delimiter": ":", "pair_delimiter": ";"}],
        _entry("a:1;b:2"),
        {"attributes": {"a": "1", "b": "2"}},
    ),
    (
        "csv_parser",
        [{"type": "csv_parser", "header": "id,name,note"}],
        _entry('7,alice,"hello, world"'),
        {"attributes": {"id": "7", "name": "alice", "note": "hello, world"}},
    ),
    (
        "move to nested body and resource",
        [
            {"type": "move", "from": "attributes.x", "to": "body.a.b"},
            {"type": "move", "from": 'attributes["k.y"]', "to": 'resource["r.z"]'},
        ],
        _entry(None, {"x": 1, "k.y": "v"}),
        {"body": {"a": {"b": 1}}, "resource": {"r.z": "v"}, "attributes": {}},
    ),
    (
        "copy, add literal and EXPR, remove",
        [
            {"type": "copy", "from": "body", "to": "attributes.orig"},
            {"type": "add", "field": "attributes.static", "value": "s"},
            {"type": "add", "field": "resource.env", "value": 'EXPR(body + "!")'},
            {"type": "remove", "field": "attributes.drop"},
        ],
        _entry("msg", {"drop": 1}),
        {"attributes": {"orig": "msg", "static": "s"}, "resource": {"env": "msg!"}},
    ),
    (
        "retain keeps only listed attributes",
        [{"type": "retain", "fields": ["attributes.a", "attributes.c"]}],
        _entry("b", {"a": 1, "b": 2, "c": 3}),
        {"attributes": {"a": 1, "c": 3}, "body": "b"},
    ),
    (
        "flatten lifts one level",
        [{"type": "flatten", "field": "body.nested"}],
        _entry({"nested": {"x": 1, "y": {"z": 2}}, "top": 0}),
        {"body": {"x": 1, "y": {"z": 2}, "top": 0}},
    ),
    (
        "severity_parser preset and custom mapping",
        [{"type": "severity_parser", "parse_from": "attributes.s", "mapping": {"fatal": "oops", "info": "2xx"}}],
        _entry("x", {"s": 201}),
        {"severity": 9, "severity_text": "201"},
    ),
    (
        "severity_parser overwrite_text",
        [{"type": "severity_parser", "parse_from": "attributes.s", "overwrite_text": True}],
        _entry("x", {"s": "Err"}),
        {"severity": 17, "severity_text": "ERROR"},
    ),
    (
        "time_parser gotime layout with location",
        [
            {
                "type": "time_parser",
                "parse_from": "attributes.t",
                "layout_type": "gotime",
                "layout": "02/01/2006 15:04:05",
                "location": "Europe/Paris",
            }
        ],
        _entry("x", {"t": "15/06/2024 12:00:00"}),
        {"timestamp": 1718445600_000000000},
    ),
    (
        "time_parser epoch s.ms",
        [{"type": "time_parser", "parse_from": "attributes.t", "layout_type": "epoch", "layout": "s.ms"}],
        _entry("x", {"t": "1700000000.250"}),
        {"timestamp": 1700000000_250000000},
    ),
    (
        "trace_parser",
        [{"type": "json_parser"}, {"type": "trace_parser", "trace_id": {"parse_from": "attributes.tid"}}],
        _entry('{"tid": "0102030405060708090a0b0c0d0e0f10"}'),
        {"trace_id": bytes(range(1, 17)), "attributes": {"tid": "0102030405060708090a0b0c0d0e0f10"}},
    ),
    (
        "scope_name_parser",
        [{"type": "scope_name_parser", "parse_from": "attributes.logger"}],
        _entry("x", {"logger": "com.example"}),
        {"scope_name": "com.example", "attributes": {"logger": "com.example"}},
    ),
    (
        "syslog rfc3164",
        [{"type": "syslog_parser", "protocol": "rfc3164"}],
        _entry("<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed"),
        {
            "attributes": {
                "priority": 34,
                "facility": 4,
                "facility_text": "auth",
                "hostname": "mymachine",
                "appname": "su",
                "proc_id": "12",
                "message": "'su root' failed",
            },
            "severity": 18,
            "severity_text": "crit",
        },
    ),
    (
        "if false skips the operator",
        [{"type": "add", "field": "attributes.x", "value": 1, "if": 'body matches "^INFO"'}],
        _entry("DEBUG nothing"),
        {"attributes": {}},
    ),
    (
        "regex_replace with a group reference",
        [{"type": "regex_replace", "field": "body", "regex": "user=(\\w+)", "replace_with": "user=<${1}>"}],
        _entry("login user=alice ok"),
        {"body": "login user=<alice> ok"},
    ),
    (
        "regex_replace ansi_control_sequences",
        [{"type": "regex_replace", "field": "body", "regex_name": "ansi_control_sequences"}],
        _entry("\x1b[31mred\x1b[0m text"),
        {"body": "red text"},
    ),
    (
        "assign_keys",
        [{"type": "assign_keys", "field": "attributes.row", "keys": ["a", "b"]}],
        _entry("x", {"row": [1, "two"]}),
        {"attributes": {"row": {"a": 1, "b": "two"}}},
    ),
    (
        "noop passes through",
        [{"type": "noop"}],
        _entry("same"),
        {"body": "same"},
    ),
]


@pytest.mark.parametrize(("ops", "entry", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operator(ops: list[dict[str, Any]], entry: Entry, expected: dict[str, Any]) -> None:
    out = run(ops, entry)
    assert len(out) == 1
    for key, value in expected.items():
        assert getattr(out[0], key) == value, key


def test_on_error_send_keeps_the_entry_and_drop_removes_it() -> None:
    bad = {"type": "json_parser"}
    assert [e.body for e in run([bad], _entry("not json"))] == ["not json"]
    assert run([{**bad, "on_error": "drop"}], _entry("not json")) == []
    assert run([{**bad, "on_error": "drop_quiet"}], _entry("not json")) == []
    assert len(run([{**bad, "on_error": "send_quiet"}], _entry("not json"))) == 1


def test_json_nested_deeper_than_otlp_allows_is_kept_as_text() -> None:
    from pyotelcol.helpers.stanza.convert import entries_to_logs
    from pyotelcol.pdata import Logs

    too_deep = '{"a":' * 200 + "1" + "}" * 200
    very_deep = '{"a":' * 5000 + "1" + "}" * 5000
    out = run([{"type": "json_parser"}], _entry(too_deep), _entry(very_deep), _entry('{"ok": 1}'))
    assert [e.body for e in out[:2]] == [too_deep, very_deep] and out[2].attributes == {"ok": 1.0}
    wire = entries_to_logs(out).message.SerializeToString()
    assert Logs.from_wire(wire).item_count() == 3


def test_router_routes_by_expr_and_default_and_output_chaining() -> None:
    ops: list[dict[str, Any]] = [
        {
            "type": "router",
            "routes": [
                {"expr": 'body matches "^\\\\{"', "output": "json", "attributes": {"fmt": "json"}},
                {"expr": 'attributes.kind == "kv"', "output": "kv"},
            ],
            "default": "tag",
        },
        {"type": "json_parser", "id": "json", "output": "end"},
        {"type": "key_value_parser", "id": "kv", "output": "end"},
        {"type": "add", "id": "tag", "field": "attributes.unrouted", "value": True},
        {"type": "noop", "id": "end"},
    ]
    out = run(ops, _entry('{"a": "b"}'), _entry("x=1", {"kind": "kv"}), _entry("plain"))
    by_body = {str(e.body): e.attributes for e in out}
    assert by_body == {
        '{"a": "b"}': {"fmt": "json", "a": "b"},
        "x=1": {"kind": "kv", "x": "1"},
        "plain": {"unrouted": True},
    }


def test_router_without_default_drops_unmatched() -> None:
    assert (
        run(
            [{"type": "router", "routes": [{"expr": "false", "output": "n"}]}, {"type": "noop", "id": "n"}], _entry("x")
        )
        == []
    )


def test_filter_drops_matching_entries() -> None:
    out = run([{"type": "filter", "expr": 'attributes.level == "debug"'}], _entry("a", {"level": "debug"}), _entry("b"))
    assert [e.body for e in out] == ["b"]


def test_recombine_is_first_entry_and_flush_at_stop() -> None:
    ops = [{"type": "recombine", "combine_field": "body", "is_first_entry": 'body matches "^\\\\S"'}]
    lines = ["Error: boom", "  at a", "  at b", "Next one", "  at c"]
    entries = [_entry(line, {"log.file.path": "/f"}) for line in lines]
    assert [e.body for e in run(ops, *entries)] == ["Error: boom\n  at a\n  at b", "Next one\n  at c"]


def test_recombine_force_flush_period() -> None:
    pipeline = build_pipeline(
        [
            {
                "type": "recombine",
                "combine_field": "body",
                "is_last_entry": "body endsWith '.'",
                "force_flush_period": "1s",
            }
        ]
    )
    assert pipeline.run([_entry("no end yet")]) == []
    assert pipeline.flush(1 + 500_000_000) == []
    assert [e.body for e in pipeline.flush(1 + 1_000_000_000)] == ["no end yet"]


def test_container_parser_formats_and_partial_lines() -> None:
    path = "/var/log/pods/ns_pod-1_abcdef01-2345-6789-abcd-ef0123456789/app/3.log"
    ops = [{"type": "container", "max_log_size": 20}]
    lines = [
        "2024-01-01T00:00:00Z stdout P aaaaa",
        "2024-01-01T00:00:00Z stdout F bbbbb",
        '{"log":"d\\n","stream":"stderr","time":"2024-01-01T00:00:01.5Z"}',
        "2024-01-01T02:00:00+02:00 stdout F crio",
    ]
    out = run(ops, *[_entry(line, {"log.file.path": path}) for line in lines])
    assert [e.body for e in out] == ["aaaaabbbbb", "d\n", "crio"]
    assert out[1].attributes["log.iostream"] == "stderr" and out[1].timestamp == 1704067201_500000000
    assert out[2].timestamp == 1704067200_000000000
    assert out[0].resource == {
        "k8s.namespace.name": "ns",
        "k8s.pod.name": "pod-1",
        "k8s.pod.uid": "abcdef01-2345-6789-abcd-ef0123456789",
        "k8s.container.name": "app",
        "k8s.container.restart_count": "3",
    }


def test_container_without_file_path_reports_the_missing_attribute() -> None:
    assert run([{"type": "container", "on_error": "drop"}], _entry("2024-01-01T00:00:00Z stdout F x")) == []


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([{"type": "nope"}], "unsupported type 'nope'"),
        ([{"type": "move", "from": "attributes.a"}], "missing required fields 'from' and 'to'"),
        ([{"type": "noop", "bogus": 1}], "has invalid keys: bogus"),
        ([{"type": "noop", "id": "x"}, {"type": "noop", "id": "x"}], "duplicate operator id 'x'"),
        ([{"type": "noop", "output": "ghost"}], "non-existent operator 'ghost'"),
        ([{"type": "regex_parser", "regex": "(unnamed)"}], "no named capture groups"),
        ([{"type": "json_parser", "on_error": "explode"}], "invalid `on_error`"),
        ([{"type": "add", "field": "foo.bar", "value": 1}], "unrecognized prefix"),
        ([{"type": "router", "routes": [{"expr": "body ==", "output": "x"}]}], "'expr'"),
        ([{"type": "time_parser", "parse_from": "body", "layout": "%Q"}], "invalid strptime layout"),
        ([{"type": "container", "format": "podman"}], "invalid `format`"),
        ([{"type": "noop", "id": "a", "output": "b"}, {"type": "noop", "id": "b", "output": "a"}], "cycle"),
    ],
)
def test_config_errors_name_the_problem(ops: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        build_pipeline(ops)
    assert message in str(info.value)
