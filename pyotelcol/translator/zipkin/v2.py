"""Zipkin v2 spans (JSON list or protobuf ``ListOfSpans``) to OTLP traces, as Go's contrib
``zipkinv2.ToTranslator`` does it.

Go sorts the spans by local service name, then by instrumentation scope name, and starts a new
resource (and a new scope) whenever that name changes; the first span of each group supplies the
resource attributes (service name plus the resource semconv tags) and the scope name/version. Go's
``sort.Sort`` is not stable and its comparison treats equal keys as "less": for up to 12 spans it
ends up with each group in reverse input order, which is what this module produces for any size.

Ids: the 64- or 128-bit hex trace id and 64-bit span ids become big-endian bytes (all-zero ids are
empty, as pdata leaves them); a parent id equal to the span id is dropped. Timestamps are epoch
microseconds; a JSON span without a timestamp starts at 0 and gets the attribute
``otel.zipkin.absentField.startTime=true``. Tags become string attributes (typed with
``parse_string_tags``) except those Go moves elsewhere: ``w3c.tracestate``, ``otel.status_code``/
``otel.status_description``/``error``, ``span.kind``, ``otlp.link.N``, resource and scope tags.
The endpoints add ``network.local.address``, ``net.host.port``, ``service.peer.name``,
``network.peer.address`` and ``net.peer.port``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ScopeSpans, Span, Status

from ...pdata import Traces
from . import _gojson as gojson
from ._common import START_TIME_ABSENT, http_status_keys, json_attr_kvs, str_kv, tag_kv
from ._v2json import decode_json
from ._v2model import MASK64, NO_SERVICE_NAME, ZSpan
from ._v2proto import decode_proto
from .errors import ZipkinError

__all__ = ["v2_json_to_traces", "v2_proto_to_traces"]

_MASK64 = MASK64
_NO_SERVICE_NAME = NO_SERVICE_NAME
_SERVICE_NAME_SOURCE = "otlp.service.name.source"
_SCOPE_NAME, _SCOPE_VERSION = "otel.scope.name", "otel.scope.version"
_LIBRARY_NAME, _LIBRARY_VERSION = "otel.library.name", "otel.library.version"

# Tags that describe the resource: the first span of a resource puts them there, no span keeps them.
_RESOURCE_TAGS = [
    "cloud.provider",
    "cloud.account.id",
    "cloud.region",
    "cloud.availability_zone",
    "cloud.platform",
    "aws.ecs.container.arn",
    "aws.ecs.cluster.arn",
    "aws.ecs.launchtype",
    "aws.ecs.task.arn",
    "aws.ecs.task.family",
    "aws.ecs.task.revision",
    "aws.eks.cluster.arn",
    "aws.log.group.names",
    "aws.log.group.arns",
    "aws.log.stream.names",
    "aws.log.stream.arns",
    "container.name",
    "container.id",
    "container.runtime",
    "container.image.name",
    "container.image.tag",
    "deployment.environment",
    "device.id",
    "device.model.identifier",
    "device.model.name",
    "device.manufacturer",
    "faas.name",
    "faas.id",
    "cloud.resource_id",
    "faas.version",
    "faas.instance",
    "faas.max_memory",
    "host.id",
    "host.name",
    "host.type",
    "host.arch",
    "host.image.name",
    "host.image.id",
    "host.image.version",
    "k8s.cluster.name",
    "k8s.node.name",
    "k8s.node.uid",
    "k8s.namespace.name",
    "k8s.pod.uid",
    "k8s.pod.name",
    "k8s.container.name",
    "k8s.container.restart_count",
    "k8s.replicaset.uid",
    "k8s.replicaset.name",
    "k8s.deployment.uid",
    "k8s.deployment.name",
    "k8s.statefulset.uid",
    "k8s.statefulset.name",
    "k8s.daemonset.uid",
    "k8s.daemonset.name",
    "k8s.job.uid",
    "k8s.job.name",
    "k8s.cronjob.uid",
    "k8s.cronjob.name",
    "os.type",
    "os.description",
    "os.name",
    "os.version",
    "process.pid",
    "process.executable.name",
    "process.executable.path",
    "process.command",
    "process.command_line",
    "process.command_args",
    "process.owner",
    "process.runtime.name",
    "process.runtime.version",
    "process.runtime.description",
    "service.name",
    "service.namespace",
    "service.instance.id",
    "service.version",
    "telemetry.sdk.name",
    "telemetry.sdk.language",
    "telemetry.sdk.version",
    "telemetry.auto.version",
    "webengine.name",
    "webengine.version",
    "webengine.description",
    "opencensus.starttime",
    "opencensus.exporterversion",
    "opencensus.resourcetype",
]
_SCOPE_TAGS = frozenset((_SCOPE_NAME, _SCOPE_VERSION, _LIBRARY_NAME, _LIBRARY_VERSION))
_NON_SPAN_TAGS = frozenset((*_RESOURCE_TAGS, *_SCOPE_TAGS, _SERVICE_NAME_SOURCE))
# Go's feature gates ...EmitV1CloudResourceConventions/DontEmitV0... are beta (on by default).
_RESOURCE_KEY_RENAMES = {"faas.id": "cloud.resource_id"}

_KINDS = {"CLIENT": Span.SPAN_KIND_CLIENT, "SERVER": Span.SPAN_KIND_SERVER}
_KINDS.update(PRODUCER=Span.SPAN_KIND_PRODUCER, CONSUMER=Span.SPAN_KIND_CONSUMER)
_STATUS_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2, "Unset": 0, "Ok": 1, "Error": 2}
_LINK_KEYS = tuple(f"otlp.link.{i}" for i in range(128))


def v2_json_to_traces(body: bytes | str, parse_string_tags: bool = False) -> Traces:
    """A Zipkin v2 JSON body (``POST /api/v2/spans``) as Traces; ``ZipkinError`` with Go's text
    for what Go refuses."""
    return _to_traces(decode_json(body), parse_string_tags)


def v2_proto_to_traces(body: bytes, parse_string_tags: bool = False) -> Traces:
    """A Zipkin v2 protobuf body (``ListOfSpans``) as Traces. Go's ``X-B3-Flags: 1`` debug flag
    only marks the decoded spans and changes nothing in the result, so it is not a parameter."""
    return _to_traces(decode_proto(body), parse_string_tags)


def _populate_resource(tags: dict[str, str], service: str, attrs: Any) -> None:
    if service == _NO_SERVICE_NAME:
        return
    if not tags:
        attrs.append(str_kv("service.name", service))
        return
    source = tags.pop(_SERVICE_NAME_SOURCE, "")
    values = {source or "service.name": service}
    for key in _RESOURCE_TAGS:
        value = tags.pop(key, None)
        if value is not None:
            values[_RESOURCE_KEY_RENAMES.get(key, key)] = value
    attrs.extend([str_kv(k, v) for k, v in values.items()])


def _populate_scope(tags: dict[str, str], scope_spans: ScopeSpans) -> None:
    scope = scope_spans.scope
    for key in (_LIBRARY_NAME, _SCOPE_NAME):
        if key in tags:
            scope.name = tags.pop(key)
    for key in (_LIBRARY_VERSION, _SCOPE_VERSION):
        if key in tags:
            scope.version = tags.pop(key)


def _hex_into(part: str, size: int) -> bytes:
    """Go's ``unmarshalJSON`` for a link id: optional quotes, empty means zero."""
    if len(part) >= 2 and part[0] == '"' and part[-1] == '"':
        part = part[1:-1]
    if not part:
        return b""
    if len(part.encode()) // 2 != size:
        raise ZipkinError("invalid length for ID")
    raw = part.encode()
    for i in range(0, len(raw) - 1, 2):
        for byte in raw[i : i + 2]:
            if chr(byte) not in "0123456789abcdefABCDEF":
                raise ZipkinError(f"cannot unmarshal ID from string '{part}': encoding/hex: {_invalid_byte(byte)}")
    if len(raw) % 2:
        if chr(raw[-1]) not in "0123456789abcdefABCDEF":
            raise ZipkinError(f"cannot unmarshal ID from string '{part}': encoding/hex: {_invalid_byte(raw[-1])}")
        raise ZipkinError(f"cannot unmarshal ID from string '{part}': encoding/hex: odd length hex string")
    value = bytes.fromhex(part)
    return b"" if value == b"\0" * size else value


def _invalid_byte(byte: int) -> str:
    ch = chr(byte)
    shown = f" '{ch}'" if ch.isprintable() else ""
    return f"invalid byte: U+{byte:04X}{shown}"


def _json_attrs(text: str) -> list[KeyValue]:
    attrs = gojson.load(text)
    if attrs is None:
        return []
    if not isinstance(attrs, dict):
        raise ZipkinError(
            f"json: cannot unmarshal {gojson.value_kind(attrs)} into Go value of type map[string]interface {{}}"
        )
    return json_attr_kvs(attrs)


def _links(tags: dict[str, str]) -> list[Span.Link]:
    links = []
    for key in _LINK_KEYS:
        value = tags.pop(key, None)
        if value is None:
            break
        parts = value.split("|")
        if len(parts) < 5:
            continue
        trace_id = _hex_into(parts[0], 16)
        span_id = _hex_into(parts[1], 8)
        attrs = _json_attrs(parts[3] if len(parts) == 5 else "|".join(parts[3:-1]))
        dropped = gojson.parse_uint(parts[-1], 10, 32)
        links.append(
            Span.Link(
                trace_id=trace_id,
                span_id=span_id,
                trace_state=parts[2],
                attributes=attrs,
                dropped_attributes_count=dropped,
            )
        )
    return links


def _events(annotations: list[tuple[int, str]]) -> list[Span.Event]:
    events = []
    for timestamp, value in annotations:
        if "|" not in value:
            events.append(Span.Event(time_unix_nano=timestamp, name=value))
            continue
        parts = value.split("|")
        if len(parts) < 3:
            events.append(Span.Event(time_unix_nano=timestamp, name=parts[0]))
            continue
        attrs = _json_attrs(parts[1] if len(parts) == 3 else "|".join(parts[1:-1]))
        dropped = gojson.parse_uint(parts[-1], 10, 32)
        events.append(
            Span.Event(time_unix_nano=timestamp, name=parts[0], attributes=attrs, dropped_attributes_count=dropped)
        )
    return events


def _status_and_kind(span: ZSpan, tags: dict[str, str]) -> tuple[Status | None, int]:
    kind = _KINDS.get(span.kind)
    if kind is None:
        kind = Span.SPAN_KIND_INTERNAL if tags.pop("span.kind", None) == "internal" else Span.SPAN_KIND_UNSPECIFIED
    status = None
    code = tags.pop("otel.status_code", None)
    if code is not None:
        status = Status(message=tags.pop("otel.status_description", ""))
        status.code = _STATUS_CODES.get(code, 0)  # type: ignore[assignment]
    error = tags.get("error")
    if error is not None:
        if status is None:
            status = Status()
        status.code = Status.STATUS_CODE_ERROR
        if error == "true":
            del tags["error"]
    return status, kind


def _endpoint_attrs(span: ZSpan) -> list[tuple[str, AnyValue]]:
    out: list[tuple[str, AnyValue]] = []
    local, remote = span.local, span.remote
    if local is not None:
        address = local.ipv6 if local.ipv6 is not None else local.ipv4
        if address is not None:
            out.append(("network.local.address", AnyValue(string_value=address)))
        if local.port:
            out.append(("net.host.port", AnyValue(int_value=local.port)))
    if remote is not None:
        if remote.service_name:
            out.append(("service.peer.name", AnyValue(string_value=remote.service_name)))
        address = remote.ipv6 if remote.ipv6 is not None else remote.ipv4
        if address is not None:
            out.append(("network.peer.address", AnyValue(string_value=address)))
        if remote.port:
            out.append(("net.peer.port", AnyValue(int_value=remote.port)))
    return out


def _attributes(span: ZSpan, tags: dict[str, str], parse_string_tags: bool) -> list[KeyValue]:
    attrs: dict[str, KeyValue] = {}
    for key, value in tags.items():
        if key in _NON_SPAN_TAGS:
            continue
        for name in http_status_keys(key):
            attrs[name] = tag_kv(name, value, parse_string_tags)
    if span.local is not None or span.remote is not None:
        for key, any_value in _endpoint_attrs(span):
            attrs[key] = KeyValue(key=key, value=any_value)
    if span.start is None:
        attrs[START_TIME_ABSENT] = KeyValue(key=START_TIME_ABSENT, value=AnyValue(bool_value=True))
    return list(attrs.values())


def _add_span(span: ZSpan, tags: dict[str, str], spans: Any, parse_string_tags: bool) -> None:
    trace_state = tags.pop("w3c.tracestate", "")
    status, kind = _status_and_kind(span, tags)
    links = _links(tags) if "otlp.link.0" in tags else ()
    attributes = _attributes(span, tags, parse_string_tags)
    start = span.start or 0
    spans.add(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_id,
        trace_state=trace_state,
        name=span.name,
        kind=kind,
        start_time_unix_nano=start,
        end_time_unix_nano=(start + span.duration) & _MASK64,
        attributes=attributes,
        events=_events(span.annotations) if span.annotations else (),
        links=links,
        status=status,
    )


def _to_traces(decoded: Iterable[ZSpan | None], parse_string_tags: bool) -> Traces:
    spans = [span for span in decoded if span is not None]
    spans.reverse()
    keyed = sorted(((span.service(), span.scope(), span) for span in spans), key=lambda t: (t[0], t[1]))
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans
    prev_service = ""
    prev_scope = ""
    new_resource = True
    current_resource: Any = None
    current_spans: Any = None
    for service, scope, span in keyed:
        tags = dict(span.tags)
        if service != prev_service:
            prev_service = service
            current_resource = resource_spans.add()
            _populate_resource(tags, service, current_resource.resource.attributes)
            prev_scope = ""
            new_resource = True
        if scope != prev_scope or new_resource:
            prev_scope = scope
            new_resource = False
            scope_spans = current_resource.scope_spans.add()
            if scope:
                _populate_scope(tags, scope_spans)
            current_spans = scope_spans.spans
        _add_span(span, tags, current_spans, parse_string_tags)
    return Traces(request)
