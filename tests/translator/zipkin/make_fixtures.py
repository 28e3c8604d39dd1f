"""Regenerates the differential fixtures in ``testdata/`` from the real Go collector.

Not run by pytest: it needs a Go collector with the ``zipkin`` receiver and the ``otlphttp``
exporter (``tools/otelcol-ref/otelcol-ref``, see tools/otelcol-ref/README.md; built from v0.165 modules; pass another binary as
the first argument). It starts that collector with two zipkin receivers (``parse_string_tags`` off
and on), each in its own pipeline exporting OTLP/JSON to a small HTTP sink run here, POSTs every
case below and writes, per case:

- ``<name>.input.json`` / ``<name>.input.pb`` - the request body as sent;
- ``<name>.expected.json`` - ``{"path", "content_type", "parse_string_tags", "error" | "traces" |
  "go_panics"}``: Go's 400 text, that Go's handler panicked (the connection drops), or the OTLP/JSON Go exported, normalized (``normalize.py``) so that the orders Go
  leaves unspecified do not matter.

Run from the repository root: ``.venv/bin/python tests/translator/zipkin/make_fixtures.py``
(``--thrift-only`` records only the v1 thrift cases).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from translator.zipkin.normalize import normalize

from pyotelcol.translator.thriftio import encode_binary
from pyotelcol.translator.zipkin._proto import ListOfSpans
from pyotelcol.translator.zipkin.v1_thrift import zipkincore

HERE = Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
DEFAULT_BINARY = os.environ.get(
    "OTELCOL_REF", str(Path(__file__).resolve().parents[3] / "tools" / "otelcol-ref" / "otelcol-ref")
)

T0 = 1_700_000_000_000_000  # epoch microseconds
TRACE128 = "5af7183fb1d4cf5f5af7183fb1d4cf5f"
TRACE64 = "00f067aa0ba902b7"


def span(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "traceId": TRACE128,
        "id": "0000000000000001",
        "name": "op",
        "timestamp": T0,
        "duration": 10,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


# --- v2 JSON cases -----------------------------------------------------------------------------------
V2_JSON: dict[str, Any] = {
    "v2_kinds": [
        span(id="0000000000000001", kind="CLIENT", localEndpoint={"serviceName": "front"}),
        span(id="0000000000000002", kind="SERVER", parentId="0000000000000001", localEndpoint={"serviceName": "back"}),
        span(id="0000000000000003", kind="PRODUCER", localEndpoint={"serviceName": "back"}),
        span(id="0000000000000004", kind="CONSUMER", localEndpoint={"serviceName": "back"}, shared=True),
        span(id="0000000000000005", kind="client", localEndpoint={"serviceName": "back"}),
        span(id="0000000000000006", tags={"span.kind": "internal"}, localEndpoint={"serviceName": "back"}),
        span(id="0000000000000007", tags={"span.kind": "server"}, localEndpoint={"serviceName": "back"}),
        span(
            id="0000000000000008", kind="SERVER", tags={"span.kind": "internal"}, localEndpoint={"serviceName": "back"}
        ),
    ],
    "v2_ids": [
        span(traceId=TRACE64, id="1", parentId="2"),
        span(traceId="ABCDEF0123456789", id="00000000000000000000ff", parentId="00000000000000ff"),
        span(traceId="1" + TRACE128[1:], id="3", parentId="3"),
        span(traceId="00000000000000000000000000000000000000abc", id="4", parentId=""),
        span(id="5", parentId=None),
        span(traceId=None, id="6"),
    ],
    "v2_timestamps": [
        span(id="1", timestamp=None, duration=25),
        span(id="2", timestamp=0, duration=None),
        span(id="3", duration=0),
        span(id="4", timestamp=T0, duration=None),
        span(id="5", annotations=[{"timestamp": T0 + 1, "value": "a"}, {"timestamp": T0 + 2, "value": "b"}]),
    ],
    "v2_status": [
        span(id="1", tags={"otel.status_code": "STATUS_CODE_ERROR", "otel.status_description": "boom"}),
        span(id="2", tags={"otel.status_code": "Ok", "otel.status_description": "fine"}),
        span(id="3", tags={"otel.status_code": "weird"}),
        span(id="4", tags={"otel.status_description": "no code"}),
        span(id="5", tags={"error": "true"}),
        span(id="6", tags={"error": "failed to connect"}),
        span(id="7", tags={"error": "", "otel.status_code": "Unset"}),
        span(id="8", tags={"otel.status_code": "STATUS_CODE_OK", "error": "true"}),
    ],
    "v2_endpoints": [
        span(
            id="1",
            localEndpoint={"serviceName": "svc", "ipv4": "10.0.0.1", "port": 8080},
            remoteEndpoint={"serviceName": "db", "ipv4": "192.168.1.2", "port": 5432},
        ),
        span(
            id="2",
            localEndpoint={"serviceName": "svc", "ipv6": "2001:DB8:0:0:0:0:0:0001"},
            remoteEndpoint={"ipv6": "::ffff:10.1.2.3", "port": 0},
        ),
        span(
            id="3",
            localEndpoint={"serviceName": "svc", "ipv4": "10.0.0.1", "ipv6": "fe80::1"},
            remoteEndpoint={"ipv4": "::1", "ipv6": "", "port": 65535},
        ),
        span(id="4", localEndpoint={"serviceName": "svc", "port": 0}, remoteEndpoint={"serviceName": "", "port": 1}),
        span(id="5", localEndpoint={}, remoteEndpoint={}),
        span(id="6", localEndpoint={"SERVICENAME": "svc", "IPV4": "1.2.3.4", "Port": 9}),
        span(
            id="7",
            localEndpoint=None,
            remoteEndpoint={"serviceName": "peer"},
            tags={"network.peer.address": "tag", "service.peer.name": "tagpeer"},
        ),
    ],
    "v2_resources": [
        span(
            id="1",
            localEndpoint={"serviceName": "a"},
            tags={
                "host.name": "h1",
                "service.version": "1.0",
                "k8s.pod.name": "p",
                "faas.id": "f",
                "custom": "x",
                "telemetry.sdk.language": "go",
                "process.pid": "12",
                "opencensus.starttime": "t",
            },
        ),
        span(id="2", localEndpoint={"serviceName": "b"}, tags={"otlp.service.name.source": "my.service"}),
        span(
            id="3",
            localEndpoint={"serviceName": "c"},
            tags={"service.name": "override", "deployment.environment": "prod"},
        ),
        span(id="4", tags={"host.name": "no-service"}),
        span(
            id="5",
            localEndpoint={"serviceName": "c"},
            tags={"service.name": "override", "deployment.environment": "prod"},
        ),
        span(id="6", localEndpoint={"serviceName": "OTLPResourceNoServiceName"}, tags={"a": "b"}),
    ],
    "v2_scopes": [
        span(id="1", localEndpoint={"serviceName": "s"}, tags={"otel.scope.name": "lib1", "otel.scope.version": "1"}),
        span(
            id="2", localEndpoint={"serviceName": "s"}, tags={"otel.library.name": "lib2", "otel.library.version": "2"}
        ),
        span(id="3", localEndpoint={"serviceName": "s"}, tags={"otel.scope.name": "lib1", "otel.scope.version": "1"}),
        span(id="4", localEndpoint={"serviceName": "s"}),
        span(id="5", localEndpoint={"serviceName": "s"}, tags={"otel.scope.version": "9"}),
        span(id="6", localEndpoint={"serviceName": "t"}, tags={"otel.library.name": "old", "otel.scope.name": "new"}),
    ],
    "v2_tags": [
        span(
            id="1",
            tags={
                "http.status_code": "404",
                "http.method": "GET",
                "count": "42",
                "ratio": "0.5",
                "flag": "true",
                "neg": "-7",
                "big": "99999999999999999999",
                "empty": "",
                "obj": '{"a":1}',
                "arr": "[1,2]",
                "text": "hello",
                "sci": "1e5",
                "upper": "TRUE",
            },
        ),
        span(id="2", tags={"w3c.tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "k": "v"}),
        span(id="3", tags={"a": None}),
    ],
    "v2_events_links": [
        span(
            id="1",
            annotations=[
                {"timestamp": T0 + 1, "value": "plain"},
                {"timestamp": T0 + 2, "value": 'ev|{"s":"x","i":3,"f":1.5,"b":true,"n":null,"o":{}}|2'},
                {"timestamp": T0 + 3, "value": "two|parts"},
                {"timestamp": T0 + 4, "value": 'pipe|{"k":"a|b"}|0'},
            ],
        ),
        span(
            id="2",
            tags={
                "otlp.link.0": TRACE128 + "|00f067aa0ba902b7|state=1|" + '{"la":"v","ln":2}' + "|1",
                "otlp.link.1": "|||{}|0",
                "otlp.link.2": "short|x",
                "otlp.link.3": '"' + TRACE128 + '"|"00f067aa0ba902b7"||null|4',
                "otlp.link.5": "not-consecutive",
            },
        ),
    ],
    "v2_mixed_services": [
        span(id=f"{i:016x}", localEndpoint={"serviceName": svc}, kind=kind, tags=tags)
        for i, (svc, kind, tags) in enumerate(
            [
                ("zeta", "SERVER", {"otel.scope.name": "s1"}),
                ("alpha", "CLIENT", {}),
                ("zeta", "CLIENT", {"otel.scope.name": "s0"}),
                ("alpha", "SERVER", {"otel.scope.name": "s1"}),
                ("mid", None, {}),
                ("zeta", "PRODUCER", {"otel.scope.name": "s1"}),
            ],
            start=1,
        )
    ],
    "v2_null_and_empty": [None, span(id="1")],
    "v2_empty_list": [],
    "v2_null_body": None,
}
V2_JSON_PARSED = {"v2_tags_parsed": V2_JSON["v2_tags"], "v2_resources_parsed": V2_JSON["v2_resources"]}

# Bodies Go refuses, sent as raw text.
V2_JSON_ERRORS: dict[str, str] = {
    "v2_err_bad_id": '[{"traceId":"1","id":"zz"}]',
    "v2_err_long_id": '[{"traceId":"1","id":"12345678901234567"}]',
    "v2_err_long_trace_id": '[{"traceId":"1' + "0" * 32 + '","id":"1"}]',
    "v2_err_empty_trace_id": '[{"traceId":"","id":"1"}]',
    "v2_err_missing_id": '[{"traceId":"1"}]',
    "v2_err_zero_id": '[{"traceId":"1","id":"0000000000000000"}]',
    "v2_err_null_id": '[{"traceId":"1","id":null}]',
    "v2_err_name_type": '[{"traceId":"1","id":"1","name":5}]',
    "v2_err_timestamp_float": '[{"traceId":"1","id":"1","timestamp":1.5}]',
    "v2_err_timestamp_exp": '[{"traceId":"1","id":"1","timestamp":1e3}]',
    "v2_err_timestamp_negative": '[{"traceId":"1","id":"1","timestamp":-1}]',
    "v2_err_duration_string": '[{"traceId":"1","id":"1","duration":"5"}]',
    "v2_err_port_range": '[{"traceId":"1","id":"1","localEndpoint":{"port":70000}}]',
    "v2_err_bad_ip": '[{"traceId":"1","id":"1","remoteEndpoint":{"ipv6":"not-an-ip"}}]',
    "v2_err_ip_type": '[{"traceId":"1","id":"1","localEndpoint":{"ipv4":5}}]',
    "v2_err_tag_type": '[{"traceId":"1","id":"1","tags":{"a":5}}]',
    "v2_err_tags_type": '[{"traceId":"1","id":"1","tags":[]}]',
    "v2_err_annotation_no_ts": '[{"traceId":"1","id":"1","annotations":[{"value":"x"}]}]',
    "v2_err_annotation_value": '[{"traceId":"1","id":"1","annotations":[{"value":5,"timestamp":1}]}]',
    "v2_err_annotations_type": '[{"traceId":"1","id":"1","annotations":5}]',
    "v2_err_annotation_elem": '[{"traceId":"1","id":"1","annotations":[5]}]',
    "v2_err_first_type_error": '[{"traceId":"1","id":"1","timestamp":"x","name":5}]',
    "v2_err_abort_wins": '[{"traceId":"1","name":5,"id":"zz"}]',
    "v2_err_span_type": "[5]",
    "v2_err_not_list": "{}",
    "v2_err_trailing_comma": '[{"traceId":"1","id":"1",}]',
    "v2_err_missing_comma": '[{"traceId":"1" "id":"1"}]',
    "v2_err_array_garbage": '[{"traceId":"1","id":"1"} 5]',
    "v2_err_top_garbage": '[{"traceId":"1","id":"1"}] x',
    "v2_err_truncated": "[",
    "v2_err_empty_body": "",
    "v2_err_bad_literal": "[tru]",
    "v2_err_nan": '[{"traceId":"1","id":"1","x":NaN}]',
    "v2_err_debug_type": '[{"traceId":"1","id":"1","debug":"x"}]',
    "v2_err_kind_type": '[{"traceId":"1","id":"1","kind":5}]',
    "v2_err_endpoint_type": '[{"traceId":"1","id":"1","localEndpoint":5}]',
    "v2_err_link_id": '[{"traceId":"1","id":"1","tags":{"otlp.link.0":"zz|01|||0"}}]',
    "v2_err_link_hex": '[{"traceId":"1","id":"1","tags":{"otlp.link.0":"' + "g" * 32 + '||||0"}}]',
    "v2_err_link_attrs": '[{"traceId":"1","id":"1","tags":{"otlp.link.0":"|||[1]|0"}}]',
    "v2_err_link_dropped": '[{"traceId":"1","id":"1","tags":{"otlp.link.0":"|||{}|x"}}]',
    "v2_err_event_json": '[{"traceId":"1","id":"1","annotations":[{"value":"e|{x|3","timestamp":1}]}]',
    "v2_err_null_annotation": '[{"traceId":"1","id":"1","annotations":[null]}]',
    "v2_err_event_dropped": '[{"traceId":"1","id":"1","annotations":[{"value":"e|{}|99999999999","timestamp":1}]}]',
}


# --- v2 protobuf cases -------------------------------------------------------------------------------
def proto_body(spans: list[dict[str, Any]]) -> bytes:
    msg = ListOfSpans()
    for fields in spans:
        s = msg.spans.add()
        for key, value in fields.items():
            if key in ("local_endpoint", "remote_endpoint"):
                getattr(s, key).SetInParent()
                for k, v in value.items():
                    setattr(getattr(s, key), k, v)
            elif key == "annotations":
                for ts, text in value:
                    s.annotations.add(timestamp=ts, value=text)
            elif key == "tags":
                s.tags.update(value)
            else:
                setattr(s, key, value)
    return bytes(msg.SerializeToString(deterministic=True))


TID = bytes.fromhex(TRACE128)
TID64 = bytes(8) + bytes.fromhex(TRACE64)
V2_PROTO: dict[str, list[dict[str, Any]]] = {
    "v2proto_basic": [
        {
            "trace_id": TID,
            "id": bytes.fromhex("0000000000000001"),
            "kind": 2,
            "name": "srv",
            "timestamp": T0,
            "duration": 7,
            "local_endpoint": {"service_name": "svc", "ipv4": bytes([10, 0, 0, 1]), "port": 80},
            "remote_endpoint": {
                "service_name": "peer",
                "ipv6": bytes.fromhex("20010db8000000000000000000000001"),
                "port": 70000,
            },
            "annotations": [(T0 + 1, "hit"), (T0 + 2, 'ev|{"a":1}|0')],
            "tags": {"http.status_code": "500", "error": "true", "otel.scope.name": "lib", "host.name": "h"},
        },
        {
            "trace_id": TID64,
            "id": bytes.fromhex("0000000000000002"),
            "parent_id": bytes.fromhex("0000000000000001"),
            "kind": 1,
            "name": "cli",
            "local_endpoint": {"service_name": "svc"},
            "shared": True,
            "debug": True,
        },
        {
            "trace_id": TID,
            "id": bytes.fromhex("0000000000000003"),
            "kind": 3,
            "name": "p",
            "local_endpoint": {
                "service_name": "other",
                "ipv6": bytes.fromhex("00000000000000000000ffff01020304"),
                "port": -1,
            },
        },
        {
            "trace_id": TID,
            "id": bytes.fromhex("0000000000000004"),
            "kind": 4,
            "timestamp": 0,
            "duration": 3,
            "tags": {"span.kind": "internal"},
        },
        {
            "trace_id": TID,
            "id": bytes.fromhex("0000000000000005"),
            "kind": 0,
            "parent_id": bytes.fromhex("0000000000000005"),
            "local_endpoint": {},
            "remote_endpoint": {"ipv4": bytes([1, 2, 3])},
        },
        {"trace_id": bytes(16), "id": bytes(8), "parent_id": bytes(8), "kind": 9},
    ],
}
V2_PROTO_PARSED = {
    "v2proto_parsed": [
        {
            "trace_id": TID,
            "id": bytes.fromhex("0000000000000001"),
            "tags": {"n": "12", "d": "1.25", "b": "false", "s": "x"},
        },
    ]
}
V2_PROTO_ERRORS: dict[str, bytes] = {
    "v2proto_err_trace_len": proto_body([{"trace_id": TID[:8], "id": bytes(8)}]),
    "v2proto_err_no_id": proto_body([{"trace_id": TID}]),
    "v2proto_err_id_len": proto_body([{"trace_id": TID, "id": b"\x01\x02"}]),
    "v2proto_err_parent_len": proto_body([{"trace_id": TID, "id": bytes(8), "parent_id": b"\x01"}]),
    "v2proto_err_garbage": b"\xff\xff\xff",
}

# --- v1 JSON cases -----------------------------------------------------------------------------------
EP_A = {"serviceName": "api", "ipv4": "10.0.0.1", "port": 8080}
EP_B = {"serviceName": "db", "ipv6": "::1"}
V1_JSON: dict[str, Any] = {
    "v1_basic": [
        {
            "traceId": TRACE64,
            "id": "0000000000000001",
            "name": "get /",
            "timestamp": T0,
            "duration": 100,
            "annotations": [
                {"timestamp": T0, "value": "sr", "endpoint": EP_A},
                {"timestamp": T0 + 50, "value": "custom event", "endpoint": EP_A},
                {"timestamp": T0 + 100, "value": "ss", "endpoint": EP_A},
            ],
            "binaryAnnotations": [
                {"key": "http.url", "value": "/x", "endpoint": EP_A},
                {"key": "http.status_code", "value": "200", "endpoint": EP_A},
            ],
        },
        {
            "traceId": TRACE128,
            "id": "0000000000000002",
            "parentId": "0000000000000001",
            "name": "query",
            "annotations": [
                {"timestamp": T0 + 10, "value": "cs", "endpoint": EP_A},
                {"timestamp": T0 + 40, "value": "cr", "endpoint": EP_A},
            ],
            "binaryAnnotations": [{"key": "sa", "value": "true", "endpoint": EP_B}, {"key": "lc", "value": "jdbc"}],
        },
        {
            "traceId": TRACE64,
            "id": "0000000000000003",
            "name": "produce",
            "timestamp": T0,
            "duration": 5,
            "annotations": [{"timestamp": T0, "value": "ms", "endpoint": EP_B}],
        },
        {
            "traceId": TRACE64,
            "id": "0000000000000004",
            "name": "consume",
            "timestamp": T0,
            "duration": 5,
            "annotations": [{"timestamp": T0, "value": "mr", "endpoint": EP_A}, {"timestamp": T0, "value": ""}, None],
        },
    ],
    "v1_local_component": [
        {
            "traceId": TRACE64,
            "id": "0000000000000005",
            "name": "local",
            "timestamp": T0,
            "duration": 1,
            "binaryAnnotations": [{"key": "lc", "value": "scheduler"}],
        },
        {
            "traceId": TRACE64,
            "id": "0000000000000006",
            "name": "named",
            "timestamp": T0,
            "duration": 1,
            "binaryAnnotations": [{"key": "lc", "value": "x", "endpoint": {"serviceName": "from-binary", "port": 1}}],
        },
        {"traceId": TRACE64, "id": "0000000000000007", "name": "nothing", "timestamp": T0, "duration": 1},
    ],
    "v1_status": [
        {
            "traceId": TRACE64,
            "id": f"000000000000001{i}",
            "name": f"s{i}",
            "timestamp": T0,
            "duration": 1,
            "binaryAnnotations": [{"key": k, "value": v} for k, v in tags],
        }
        for i, tags in enumerate(
            [
                [("census.status_code", "0"), ("census.status_description", "ok!")],
                [("census.status_code", "13"), ("otel.status_code", "1")],
                [("otel.status_code", "2"), ("otel.status_description", "bad")],
                [("error", "whatever"), ("otel.status_description", "desc")],
                [("http.status_code", "503"), ("http.status_message", "unavailable")],
                [("http.status_code", "204")],
                [("otel.status_code", "STATUS_CODE_ERROR")],
                [("http.response.status_code", "404"), ("error", ""), ("census.status_description", "cm")],
            ]
        )
    ],
    "v1_no_timestamps": [
        {
            "traceId": TRACE64,
            "id": "0000000000000020",
            "name": "from-annotations",
            "annotations": [
                {"timestamp": T0 + 5, "value": "cs", "endpoint": EP_A},
                {"timestamp": T0 + 1, "value": "x"},
                {"timestamp": T0 + 9, "value": "cr"},
            ],
        },
        {"traceId": TRACE64, "id": "0000000000000021", "name": "none"},
    ],
}
V1_JSON_PARSED = {
    "v1_status_parsed": V1_JSON["v1_status"],
    "v1_tags_parsed": [
        {
            "traceId": TRACE64,
            "id": "0000000000000030",
            "name": "t",
            "timestamp": T0,
            "duration": 1,
            "binaryAnnotations": [
                {"key": k, "value": v}
                for k, v in [("i", "12"), ("d", "2.5"), ("b", "true"), ("s", "abc"), ("http.status_code", "500")]
            ],
        }
    ],
}
V1_JSON_ERRORS: dict[str, str] = {
    "v1_err_trace_len": '[{"traceId":"123","id":"0000000000000001"}]',
    "v1_err_trace_hex": '[{"traceId":"zz00000000000000","id":"0000000000000001"}]',
    "v1_err_trace_zero": '[{"traceId":"0000000000000000","id":"0000000000000001"}]',
    "v1_err_id_len": '[{"traceId":"0000000000000001","id":"01"}]',
    "v1_err_id_zero": '[{"traceId":"0000000000000001","id":"0000000000000000"}]',
    "v1_err_parent": '[{"traceId":"0000000000000001","id":"0000000000000001","parentId":"x"}]',
    "v1_err_types": '[{"traceId":1,"id":"0000000000000001","timestamp":"x"}]',
    "v1_err_port": '[{"traceId":"0000000000000001","id":"0000000000000001","annotations":[{"value":"sr","endpoint":{"port":"80"}}]}]',
    "v1_err_binary_value": '[{"traceId":"0000000000000001","id":"0000000000000001","binaryAnnotations":[{"key":"a","value":true}]}]',
    "v1_err_syntax": "[{",
    "v1_err_not_list": '{"a":1}',
    "v1_err_null_span": "[null]",
    "v1_err_null_binary": '[{"traceId":"0000000000000001","id":"0000000000000001","binaryAnnotations":[null]}]',
}


# --- v1 thrift cases ---------------------------------------------------------------------------------
def thrift_body(spans: list[dict[str, Any]]) -> bytes:
    """A binary-protocol ``list<Span>`` of zipkinCore.thrift, as Zipkin v1 clients send it."""
    core = zipkincore

    def endpoint(ep: dict[str, Any] | None) -> Any:
        return None if ep is None else core.Endpoint(**ep)

    objs = []
    for fields in spans:
        fields = dict(fields)
        fields["annotations"] = [
            core.Annotation(timestamp=ts, value=value, host=endpoint(host))
            for ts, value, host in fields.get("annotations", [])
        ]
        fields["binary_annotations"] = [
            core.BinaryAnnotation(key=key, value=value, annotation_type=kind, host=endpoint(host))
            for key, value, kind, host in fields.get("binary_annotations", [])
        ]
        objs.append(core.Span(**fields))
    wrapped = encode_binary(core.SpanList(spans=objs))
    return wrapped[3:-1]  # the list without the wrapper struct's field header and stop byte


_AT = zipkincore.AnnotationType
HOST_A = {"ipv4": -1407254524, "port": 8080, "service_name": "service1"}
HOST_B = {
    "ipv4": 0x0A000001,
    "port": -1,
    "service_name": "db",
    "ipv6": bytes.fromhex("20010db8000000000000000000000001"),
}
V1_THRIFT: dict[str, list[dict[str, Any]]] = {
    "v1thrift_basic": [
        {
            "trace_id": 0x5AF7183FB1D4CF5F,
            "trace_id_high": -0x5AF7183FB1D4CF5F,
            "id": 1,
            "name": "checkAvailability",
            "timestamp": T0,
            "duration": 100,
            "annotations": [(T0, "sr", HOST_A), (T0 + 50, "custom time event", HOST_A), (T0 + 100, "ss", HOST_A)],
            "binary_annotations": [
                ("b.true", b"\x01", _AT.BOOL, None),
                ("b.false", b"\x00", _AT.BOOL, None),
                ("b.other", b"\x02", _AT.BOOL, None),
                ("bytes", b"\x00\xffhi", _AT.BYTES, None),
                ("i16", b"\xff\xfe", _AT.I16, None),
                ("i32", b"\xff\xff\xff\xfe\x00", _AT.I32, None),
                ("i64", (-5).to_bytes(8, "big", signed=True), _AT.I64, None),
                ("double", bytes.fromhex("400921fb54442d18"), _AT.DOUBLE, None),
                ("string", "héllo".encode(), _AT.STRING, None),
                ("http.status_code", (503).to_bytes(4, "big"), _AT.I32, HOST_A),
            ],
        },
        {
            "trace_id": 0x5AF7183FB1D4CF5F,
            "id": 2,
            "parent_id": 1,
            "name": "query",
            "annotations": [(T0 + 10, "cs", HOST_B), (T0 + 40, "cr", HOST_B)],
            "binary_annotations": [("error", b"timeout", _AT.STRING, None), ("lc", b"jdbc", _AT.STRING, None)],
        },
    ],
    "v1thrift_local_component": [
        {
            "trace_id": 7,
            "id": 5,
            "name": "local",
            "timestamp": T0,
            "duration": 1,
            "binary_annotations": [("lc", b"scheduler", _AT.STRING, None)],
        },
        {
            "trace_id": 7,
            "id": 6,
            "name": "named",
            "timestamp": T0,
            "duration": 1,
            "binary_annotations": [("lc", b"x", _AT.STRING, {"service_name": "from-binary", "port": 1})],
        },
        {"trace_id": 7, "id": 8, "name": "nothing"},
    ],
    "v1thrift_short_values": [
        {
            "trace_id": 9,
            "id": 1,
            "name": "short",
            "timestamp": T0,
            "binary_annotations": [
                ("i16", b"\x01", _AT.I16, None),
                ("i32", b"\x01\x02", _AT.I32, None),
                ("i64", b"\x01\x02\x03", _AT.I64, None),
                ("double", b"\x01", _AT.DOUBLE, None),
                ("census.status_code", (2).to_bytes(4, "big"), _AT.I32, None),
                ("census.status_description", b"bad", _AT.STRING, None),
            ],
        },
    ],
    "v1thrift_ipv6": [
        {
            "trace_id": 10,
            "id": 1,
            "name": "v6",
            "annotations": [
                (T0, "sr", {"service_name": "mapped", "ipv6": bytes.fromhex("00000000000000000000ffff01020304")}),
            ],
        },
        {
            "trace_id": 10,
            "id": 2,
            "name": "odd",
            "annotations": [
                (T0, "cs", {"service_name": "odd", "ipv6": b"\x01\x02\x03"}),
            ],
        },
    ],
}
V1_THRIFT_ERRORS: dict[str, bytes] = {
    "v1thrift_err_garbage": b"\xff\xff\xff",
    "v1thrift_err_truncated": thrift_body(V1_THRIFT["v1thrift_local_component"])[:20],
}


# --- running Go --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink(BaseHTTPRequestHandler):
    bodies: queue.Queue[bytes] = queue.Queue()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.put(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


CONFIG = """
receivers:
  zipkin/plain:
    endpoint: 127.0.0.1:{plain}
  zipkin/parsed:
    endpoint: 127.0.0.1:{parsed}
    parse_string_tags: true
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{sink}
    encoding: json
    compression: none
    retry_on_failure:
      enabled: false
    sending_queue:
      enabled: false
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces/plain:
      receivers: [zipkin/plain]
      exporters: [otlphttp]
    traces/parsed:
      receivers: [zipkin/parsed]
      exporters: [otlphttp]
"""


def post(port: int, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST")
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except ConnectionError:
        return 0, b""  # Go panicked in the handler and dropped the connection


def record(name: str, body: bytes, path: str, content_type: str, parsed: bool, ports: dict[str, int]) -> None:
    ext = {"application/x-protobuf": "pb", "application/x-thrift": "thrift"}.get(content_type, "json")
    (TESTDATA / f"{name}.input.{ext}").write_bytes(body)
    status, reply = post(ports["parsed" if parsed else "plain"], path, body, content_type)
    expected: dict[str, Any] = {"path": path, "content_type": content_type, "parse_string_tags": parsed}
    if status == 400:
        expected["error"] = reply.decode().removesuffix("\n")
    elif status == 0:
        expected["go_panics"] = True
    elif status == 202:
        try:
            exported = Sink.bodies.get(timeout=5)
        except queue.Empty:
            exported = b"{}"  # nothing exported: no spans
        expected["traces"] = normalize(json.loads(exported), now_placeholder=path.startswith("/api/v1"))
    else:
        raise SystemExit(f"{name}: unexpected status {status}: {reply!r}")
    (TESTDATA / f"{name}.expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(name, status)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else DEFAULT_BINARY
    ports = {"plain": free_port(), "parsed": free_port(), "sink": free_port()}
    sink = ThreadingHTTPServer(("127.0.0.1", ports["sink"]), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as cfg:
        cfg.write(
            CONFIG.replace("{plain}", str(ports["plain"]))
            .replace("{parsed}", str(ports["parsed"]))
            .replace("{sink}", str(ports["sink"]))
        )
    proc = subprocess.Popen([binary, "--config", cfg.name])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", ports["plain"]), timeout=1).close()
                socket.create_connection(("127.0.0.1", ports["parsed"]), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        TESTDATA.mkdir(exist_ok=True)
        thrift_ct = "application/x-thrift"
        for name, spans in V1_THRIFT.items():
            record(name, thrift_body(spans), "/api/v1/spans", thrift_ct, False, ports)
        for name, body in V1_THRIFT_ERRORS.items():
            record(name, body, "/api/v1/spans", thrift_ct, False, ports)
        if "--thrift-only" in sys.argv:
            return
        for old in TESTDATA.glob("*"):
            if ".thrift" not in old.name and not old.name.startswith("v1thrift"):
                old.unlink()
        json_ct, proto_ct = "application/json", "application/x-protobuf"
        for cases, path, parsed in (
            (V2_JSON, "/api/v2/spans", False),
            (V2_JSON_PARSED, "/api/v2/spans", True),
            (V1_JSON, "/api/v1/spans", False),
            (V1_JSON_PARSED, "/api/v1/spans", True),
        ):
            for name, doc in cases.items():
                record(name, json.dumps(doc, indent=1).encode(), path, json_ct, parsed, ports)
        for name, text in V2_JSON_ERRORS.items():
            record(name, text.encode(), "/api/v2/spans", json_ct, False, ports)
        for name, text in V1_JSON_ERRORS.items():
            record(name, text.encode(), "/api/v1/spans", json_ct, False, ports)
        for name, spans in V2_PROTO.items():
            record(name, proto_body(spans), "/api/v2/spans", proto_ct, False, ports)
        for name, spans in V2_PROTO_PARSED.items():
            record(name, proto_body(spans), "/api/v2/spans", proto_ct, True, ports)
        for name, body in V2_PROTO_ERRORS.items():
            record(name, body, "/api/v2/spans", proto_ct, False, ports)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        sink.shutdown()
        Path(cfg.name).unlink()


if __name__ == "__main__":
    main()
