"""ExtractGrokPatterns against the examples of Go's README."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.ottl.functions import CompileError, ExecutionError

PASSWD = "smith:pass123:1001:1000:J Smith,1234,(234)567-8910,(234)567-1098,email:/home/smith:/bin/sh"

CASES: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("GIT_SHA=abc123", r"GIT_SHA=(?P<git.sha>\w+)"), {"git.sha": "abc123"}),
    (
        ("http://user@example.com:8080/a/b.html?x=1&y=2", "%{URI}", True),
        {
            "url.scheme": "http",
            "url.username": "user",
            "url.domain": "example.com",
            "url.port": 8080,
            "url.path": "/a/b.html",
            "url.query": "x=1&y=2",
        },
    ),
    (
        (
            "03/07/2024 10:11:12 UTC postgres 6412a1b2.3e8 1234",
            "%{DATESTAMP:timestamp} %{TZ:event.timezone} %{DATA:user.name} "
            "%{GREEDYDATA:postgresql.log.connection_id} %{POSINT:process.pid:int}",
            True,
        ),
        {
            "timestamp": "03/07/2024 10:11:12",
            "event.timezone": "UTC",
            "user.name": "postgres",
            "postgresql.log.connection_id": "6412a1b2.3e8",
            "process.pid": 1234,
        },
    ),
    (
        (
            PASSWD,
            "%{USERNAME:user.name}:%{PASSWORD:user.password}:%{USERINFO}",
            True,
            ["PASSWORD=%{WORD}", "USERINFO=%{GREEDYDATA}"],
        ),
        {"user.name": "smith", "user.password": "pass123"},
    ),
    # Without namedCapturesOnly every reference is captured under its pattern name.
    (("42 apples", "%{INT} %{WORD:fruit}"), {"INT": "42", "fruit": "apples"}),
    (("x=1.5 ok=true", "x=%{NUMBER:x:float} ok=%{BOOL:ok:boolean}", True), {"x": 1.5, "ok": True}),
    (("no match here", "%{IPV4:ip}", True), {}),
    (("from 10.0.0.12 to fe80::1%eth0", "from %{IP:a} to %{IP:b}", True), {"a": "10.0.0.12", "b": "fe80::1%eth0"}),
    (("2001:db8::8a2e:370:7334", "^%{IPV6:ip}$", True), {"ip": "2001:db8::8a2e:370:7334"}),
    (("::ffff:192.0.2.1", "^%{IPV6:ip}$", True), {"ip": "::ffff:192.0.2.1"}),
    (
        ("Mar  7 10:11:12 web-1 sshd[42]: accepted", "%{SYSLOGBASE} %{GREEDYDATA:message}", True),
        {
            "timestamp": "Mar  7 10:11:12",
            "logsource": "web-1",
            "program": "sshd",
            "pid": "42",
            "message": "accepted",
        },
    ),
    (
        (
            '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
            "%{COMMONAPACHELOG}",
            True,
        ),
        {
            "clientip": "127.0.0.1",
            "ident": "-",
            "auth": "frank",
            "timestamp": "10/Oct/2000:13:55:36 -0700",
            "verb": "GET",
            "request": "/apache_pb.gif",
            "httpversion": "1.0",
            "response": "200",
            "bytes": "2326",
        },
    ),
    (("level=WARN", "level=%{LOGLEVEL:level}", True), {"level": "WARN"}),
    (("id 123e4567-e89b-12d3-a456-426614174000", "%{UUID:id}", True), {"id": "123e4567-e89b-12d3-a456-426614174000"}),
]


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_extract_grok_patterns(call: Any, args: tuple[Any, ...], expected: dict[str, Any]) -> None:
    assert call("ExtractGrokPatterns", *args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "%{NOPE:x}"), 'pattern definition "NOPE" unknown'),
        (("x", "%{WORD}", True), "at least 1 named capture group must be supplied"),
        (("x", "%{A:x}", False, ["A"]), 'pattern "A" supplied to ExtractGrokPatterns at index 0 has incorrect format'),
        (("x", "%{A:x}", False, ["A:B=x"]), "pattern ID \"A:B\" should not contain ':'"),
        (("x", "%{A:x}", False, ["A=%{B}", "B=%{A}"]), "cycle"),
        (("x", "%{WORD:x}(", True), "is not a valid pattern"),
    ],
)
def test_compile_errors(compile_converter: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_converter("ExtractGrokPatterns", *args)
    assert message in str(caught.value)


def test_conversion_failures_and_types(call: Any) -> None:
    with pytest.raises(ExecutionError, match="invalid syntax"):
        call("ExtractGrokPatterns", "n=abc", "n=%{WORD:n:int}", True)
    with pytest.raises(ExecutionError, match="invalid type for n: type not specified"):
        call("ExtractGrokPatterns", "n=abc", "n=%{WORD:n:date}", True)
    with pytest.raises(ExecutionError, match="expected string but got int64"):
        call("ExtractGrokPatterns", 5, "%{INT:n}", True)
