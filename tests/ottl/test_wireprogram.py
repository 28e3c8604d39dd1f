"""Span statements run over the request's bytes (``ottl.wireprogram``, the ``_spanwire`` C module)
must give exactly what the engine gives on the messages. Random requests (attribute values of
every type, repeated keys, spans without a status or a name) meet random groups of the forms the
wire program has; each result is compared with the engine's, with the wire program switched off,
and the test checks that most requests were indeed run over the bytes, not handed back."""

from __future__ import annotations

import importlib.util
import random
import shutil
import sys
import sysconfig

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from support import REPO

from pyotelcol.ottl import parse_statements
from pyotelcol.ottl import wireprogram as wp
from pyotelcol.pdata import Traces
from pyotelcol.pdata.data import InvalidDataError

KEYS = ["a", "b", "url.path", "code"]


def _bench_statements() -> list[str]:
    """``TRANSFORM_STATEMENTS`` of bench/scenarios.py (the bench folder is not a package)."""
    spec = importlib.util.spec_from_file_location("pyotelcol_bench_scenarios", REPO / "bench" / "scenarios.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    statements: list[str] = module.TRANSFORM_STATEMENTS
    return statements


BENCH = _bench_statements()


def test_the_module_is_built() -> None:
    """The C module builds with the package (setup.py) wherever there is a C compiler; without
    it the engine runs everything, correctly but at several times the cost."""
    if not wp.AVAILABLE and shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None:
        pytest.skip("no C compiler here: the install left the optional C module out")
    assert wp.AVAILABLE, "pyotelcol.ottl._spanwire did not build: are Python's headers installed?"


def program_of(statements: list[str], conditions: tuple[str, ...] = ()) -> wp.Program | None:
    group = parse_statements(statements, "traces", conditions=conditions)
    return wp.span_program(group.statements, group._condition)


def test_which_groups_have_a_wire_program() -> None:
    program = program_of(BENCH)
    assert program is not None
    assert [action[0] for _, action in program] == [
        "set_status_code",
        "set_attr",
        "delete_attr",
        "replace_attr",
        "set_name",
    ]
    assert program[0][0] == ("cmp", 5, ("attr", "http.response.status_code"), 500)
    assert program[4][0] == ("cmp", 0, ("kind",), 2)
    assert program[4][1][1] == ("concat", " ", (("attr", "http.request.method"), ("attr", "http.route")))
    for unsupported in (
        ['set(span.attributes["x"], resource.attributes["y"])'],  # another level's attributes
        ['set(span.attributes["x"], 1.5)'],  # a double literal
        ['set(span.attributes["x"], true)'],
        ['set(span.attributes["x"], "y") where IsMatch(span.name, "a")'],  # a converter condition
        ['set(span.attributes["x"], "y") where span.name == "a" and span.kind == 2'],
        ["truncate_all(span.attributes, 3)"],
        ['set(span.attributes["m"]["k"], "y")'],  # a nested key
        ['set(span.trace_state, "a=b")'],
    ):
        assert program_of(unsupported) is None, unsupported
    assert program_of(['set(span.name, "x")'], conditions=('span.name == "y"',)) is None
    # spanevent statements are not span statements: the group never gets a program
    assert parse_statements(['set(spanevent.name, "x")'], "traces").wire_program is None


# --- random data -----------------------------------------------------------------------------------


def _value(rng: random.Random, kv: KeyValue) -> None:
    pick = rng.randrange(11)
    v = kv.value
    if pick <= 2:
        v.string_value = rng.choice(["", "xx", "abxxxc", "héllo", "/users/12/x", "500"])
    elif pick <= 4:
        v.int_value = rng.choice([0, 7, 500, 503, -3, 2**40, -(2**63)])
    elif pick == 5:
        v.bool_value = rng.random() < 0.5
    elif pick == 6:
        v.double_value = rng.choice([0.5, 500.0, -1.0])
    elif pick == 7:
        v.array_value.values.add().string_value = "e"
    elif pick == 8:
        v.kvlist_value.values.add(key="k").value.int_value = 1
    elif pick == 9:
        v.bytes_value = b"\x00\x01"
    else:
        kv.ClearField("value") if rng.random() < 0.5 else v.SetInParent()


def _request(rng: random.Random) -> bytes:
    req = ExportTraceServiceRequest()
    for _ in range(rng.randint(1, 2)):
        rs = req.resource_spans.add()
        rs.resource.attributes.add(key="service.name").value.string_value = "svc"
        for _ in range(rng.randint(1, 2)):
            ss = rs.scope_spans.add()
            ss.scope.name = "lib"
            for n in range(rng.randint(0, 4)):
                sp = ss.spans.add(trace_id=bytes(range(16)), span_id=bytes(range(8)), kind=rng.randrange(6))
                sp.start_time_unix_nano, sp.end_time_unix_nano = 1, 2 + n
                if rng.random() < 0.8:
                    sp.name = rng.choice(["GET", "op", "héllo", "a"])
                if rng.random() < 0.5:
                    sp.status.code = Status.StatusCode.ValueType(rng.randrange(3))
                    if rng.random() < 0.5:
                        sp.status.message = "m"
                # most keys at most once; now and then one twice (the request is handed back)
                keys = rng.sample([*KEYS, "other", "z"], rng.randint(0, 6))
                if keys and rng.random() < 0.05:
                    keys.append(keys[0])
                for key in keys:
                    _value(rng, sp.attributes.add(key=key))
                if rng.random() < 0.3:
                    sp.events.add(name="ev", time_unix_nano=5)
    return req.SerializeToString()


def _expr(rng: random.Random) -> str:
    return rng.choice(
        [
            f'span.attributes["{rng.choice(KEYS)}"]',
            '"lit"',
            str(rng.choice([0, 2, 500, -1])),
            "span.name",
            "span.kind",
            "span.status.code",
            f'Concat([span.attributes["{rng.choice(KEYS)}"], span.name, span.kind, "x"], "-")',
        ]
    )


def _where(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return ""
    left = rng.choice([f'span.attributes["{rng.choice(KEYS)}"]', "span.name", "span.kind", "span.status.code"])
    literal = rng.choice(['"xx"', '"GET"', "500", "2", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR"])
    op = rng.choice(["==", "!="] if literal.startswith('"') else ["==", "!=", "<", "<=", ">", ">="])
    return f" where {left} {op} {literal}"


def _statement(rng: random.Random) -> str:
    key = rng.choice(KEYS)
    return rng.choice(
        [
            f'set(span.attributes["{key}"], {_expr(rng)})',
            f'set(span.attributes["new"], {_expr(rng)})',
            f'delete_key(span.attributes, "{key}")',
            f'replace_pattern(span.attributes["{key}"], "x+", "Y")',
            f'replace_pattern(span.attributes["{key}"], "/users/\\\\d+", "/users/{{id}}")',
            f"set(span.name, {_expr(rng)})",
            f"set(span.status.code, {rng.choice(['STATUS_CODE_ERROR', '0', '1', _expr(rng)])})",
        ]
    ) + _where(rng)


def _engine_result(statements: list[str], wire: bytes) -> ExportTraceServiceRequest:
    group = parse_statements(statements, "traces")
    group.wire_program = None
    data = Traces.from_wire(wire)
    group.execute(data)
    return ExportTraceServiceRequest.FromString(data.to_wire())


@pytest.mark.skipif(not wp.AVAILABLE, reason="the C module is not built (test_the_module_is_built says why)")
def test_random_groups_on_random_requests_give_the_engines_results() -> None:
    rng = random.Random(20261204)
    over_bytes = compared = 0
    for _ in range(400):
        statements = [_statement(rng) for _ in range(rng.randint(1, 5))]
        group = parse_statements(statements, "traces")
        program = group.wire_program
        assert program is not None, statements
        for _ in range(3):
            wire = _request(rng)
            expected = _engine_result(statements, wire)
            over_bytes += wp.run(program, wire) is not None
            data = Traces.from_wire(wire)
            group.execute(data)
            got = ExportTraceServiceRequest.FromString(data.to_wire())
            assert got == expected, (statements, wire.hex())
            compared += 1
    # the data picks odd types on purpose; still, most requests must run over the bytes
    assert over_bytes > compared * 0.4, (over_bytes, compared)


@pytest.mark.skipif(not wp.AVAILABLE, reason="the C module is not built (test_the_module_is_built says why)")
def test_the_bench_statements_over_the_bytes() -> None:
    req = ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    first = spans.add(name="x", kind=2)
    for key, value in (
        ("http.response.status_code", 503),
        ("user_agent.original", "curl"),
        ("url.path", "/users/42/orders"),
        ("http.request.method", "GET"),
        ("http.route", "/users/{id}/orders"),
    ):
        kv = first.attributes.add(key=key)
        if isinstance(value, int):
            kv.value.int_value = value
        else:
            kv.value.string_value = value
    spans.add(name="untouched-but-for-the-env", kind=1)
    wire = req.SerializeToString()
    data = Traces.from_wire(wire)
    parse_statements(BENCH, "traces").execute(data)
    assert data.wire_only  # run over the bytes: nothing parsed
    out = ExportTraceServiceRequest.FromString(data.to_wire()).resource_spans[0].scope_spans[0].spans
    assert out[0].name == "GET /users/{id}/orders" and out[0].status.code == 2
    attrs = {kv.key: kv.value for kv in out[0].attributes}
    assert list(attrs) == [
        "http.response.status_code",
        "url.path",
        "http.request.method",
        "http.route",
        "deployment.environment.name",
    ]
    assert attrs["url.path"].string_value == "/users/{id}/orders"
    assert attrs["deployment.environment.name"].string_value == "prod"
    assert out[1].name == "untouched-but-for-the-env" and not out[1].HasField("status")
    assert [kv.key for kv in out[1].attributes] == ["deployment.environment.name"]
    assert out == ExportTraceServiceRequest.FromString(data.to_wire()).resource_spans[0].scope_spans[0].spans
    assert ExportTraceServiceRequest.FromString(data.to_wire()) == _engine_result(BENCH, wire)


def test_read_only_data_and_unverified_bytes_go_through_the_engine() -> None:
    """Shared read-only data fails per statement in the engine (error mode), never over the
    bytes; bytes nobody vouched for are parsed by the engine first (a bad request fails there)."""
    req = ExportTraceServiceRequest()
    req.resource_spans.add().scope_spans.add().spans.add(name="s")
    wire = req.SerializeToString()
    data = Traces.from_wire(wire)
    data.mark_read_only()
    group = parse_statements(['set(span.attributes["a"], "x")'], "traces")
    group.execute(data)  # ignore mode: each write is refused and logged, nothing changes
    assert data.to_wire() == wire
    unverified = Traces.from_trusted_wire(wire)
    assert unverified.unverified_wire
    group.execute(unverified)
    assert not unverified.wire_only  # the engine parsed it
    assert _engine_result(['set(span.attributes["a"], "x")'], wire) == unverified.message


@pytest.mark.skipif(not wp.AVAILABLE, reason="the C module is not built (test_the_module_is_built says why)")
def test_damaged_bytes_are_handed_back_or_give_bytes_that_parse() -> None:
    """The C module reads bytes nobody has to have checked: truncated, flipped or shuffled ones
    must never crash it; whatever it returns besides None must parse, and changes only what
    the statements change (checked against the engine when the damaged request still parses)."""
    rng = random.Random(7)
    program = program_of(BENCH)
    assert program is not None
    handed_back = rewritten = 0
    for n in range(3000):
        wire = bytearray(_request(rng))
        if not wire:
            continue
        damage = n % 3
        if damage == 0:
            del wire[rng.randrange(len(wire)) :]
        elif damage == 1:
            for _ in range(rng.randint(1, 3)):
                wire[rng.randrange(len(wire))] ^= 1 << rng.randrange(8)
        else:
            at = rng.randrange(len(wire))
            wire[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        data = bytes(wire)
        out = wp.run(program, data)
        if out is None:
            handed_back += 1
            continue
        parsed = ExportTraceServiceRequest.FromString(out)  # raises if it does not parse
        rewritten += out is not data
        try:
            expected = _engine_result(BENCH, data)
        except InvalidDataError:  # parses, but a receiver refuses it (an id of a wrong length)
            continue
        assert parsed == expected
    assert handed_back > 0 and rewritten > 100, (handed_back, rewritten)
