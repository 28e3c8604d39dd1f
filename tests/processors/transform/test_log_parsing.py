"""ParseCEF and ParseCLF through the OTTL engine on in-memory logs (cases ported from Go's tables)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from ottl.engine_data import as_json, logs, plain_attrs, record
from pyotelcol.processors.transform.log_parsing import SPECS

from pyotelcol.ottl import CompileError, ExecutionError, parse_statements

FUNCTIONS = {spec.name: spec for spec in SPECS}


def parse(call: str, body: Any) -> Any:
    """Run ``set(log.attributes["p"], <call>)`` on one log record and return the attribute."""
    data = logs(record(body=body))
    group = parse_statements(
        [f'set(log.attributes["p"], {call})'],
        signal="logs",
        context="log",
        error_mode="propagate",
        extra_functions=FUNCTIONS,
    )
    group.execute(data)
    attributes = as_json(data)["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]
    return plain_attrs(attributes)["p"]


def cef(vendor: str, product: str, version: str, event: str, name: str, severity: str, **ext: str) -> dict[str, Any]:
    return {
        "cef.version": "0",
        "cef.device_vendor": vendor,
        "cef.device_product": product,
        "cef.device_version": version,
        "cef.device_event_class_id": event,
        "cef.name": name,
        "cef.severity": severity,
        "cef.extensions": ext,
    }


HEADER = ("Vendor", "Product", "1.0", "100", "Event", "5")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
            cef(
                "Security",
                "threatmanager",
                "1.0",
                "100",
                "worm successfully stopped",
                "10",
                src="10.0.0.1",
                dst="2.1.2.2",
                spt="1232",
            ),
        ),
        ("CEF:0|Vendor|Product|1.0|EventID|EventName|5", cef("Vendor", "Product", "1.0", "EventID", "EventName", "5")),
        ("CEF:0|Vendor|Product|1.0|EventID|EventName|5|", cef("Vendor", "Product", "1.0", "EventID", "EventName", "5")),
        (
            r"CEF:0|Security|threatmanager|1.0|100|detected a \| in name|10|src=10.0.0.1",
            cef("Security", "threatmanager", "1.0", "100", "detected a | in name", "10", src="10.0.0.1"),
        ),
        (
            r"CEF:0|Vendor\\Co|Product\|X|1.0|100|Event|5|src=10.0.0.1",
            cef("Vendor\\Co", "Product|X", "1.0", "100", "Event", "5", src="10.0.0.1"),
        ),
        (
            "CEF:0|Vendor|Product|1.0|100|Event|5|src=10.0.0.1 msg=this is a message with spaces dst=1.2.3.4",
            cef(*HEADER, src="10.0.0.1", msg="this is a message with spaces", dst="1.2.3.4"),
        ),
        (
            r"CEF:0|Vendor|Product|1.0|100|Event|5|src=10.0.0.1 cs1=value with \= equals dst=1.2.3.4",
            cef(*HEADER, src="10.0.0.1", cs1="value with = equals", dst="1.2.3.4"),
        ),
        (
            r"CEF:0|Vendor|Product|1.0|100|Event|5|fname=C:\\Windows\\System32\\cmd.exe",
            cef(*HEADER, fname="C:\\Windows\\System32\\cmd.exe"),
        ),
        (r"CEF:0|Vendor|Product|1.0|100|Event|5|msg=line one\nline two", cef(*HEADER, msg="line one\nline two")),
        (r"CEF:0|Vendor|Product|1.0|100|Event|5|msg=a\rb\xc\ ", cef(*HEADER, msg="a\rb\\xc\\")),
        (
            "<134>1 2024-03-01T10:15:00.000Z host app - - - CEF:0|Vendor|Product|1.0|EventID|EventName|5|src=10.0.0.1",
            cef("Vendor", "Product", "1.0", "EventID", "EventName", "5", src="10.0.0.1"),
        ),
        (
            "CEF:0|Vendor|Product|1.0|100|Event|5|request=http://example.com?foo=bar&baz=qux src=10.0.0.1",
            cef(*HEADER, request="http://example.com?foo=bar&baz=qux", src="10.0.0.1"),
        ),
        (
            # a key needs a space before it: "x=y" inside a value is not a key; "-k=" is not a key
            "CEF:0|Vendor|Product|1.0|100|Event|5|a=1 b_2=x=y -k=v  c=3",
            cef(*HEADER, a="1", b_2="x=y -k=v", c="3"),
        ),
        ("CEF:0|Vendor|Product|1.0|100|Event|5|no keys here", cef(*HEADER)),
    ],
)
def test_parse_cef(message: str, expected: dict[str, Any]) -> None:
    assert parse("ParseCEF(log.body)", message) == expected


def test_parse_cef_version_one() -> None:
    result = parse("ParseCEF(log.body)", "CEF:1|ArcSight|ArcSight|2.4.1|machine:20|New alert|Low|src=10.0.0.1")
    assert result["cef.version"] == "1" and result["cef.severity"] == "Low"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "cannot parse empty CEF message"),
        ("LEEF:1.0|Vendor|Product|1.0|EventID|src=1.2.3.4", "invalid CEF message: 'CEF:' not found"),
        (
            "CEF:0|Vendor|Product|1.0|100|Event",
            "invalid CEF header: expected at least 7 pipe-delimited fields .* got 6$",
        ),
        ("CEF:|Vendor|Product|1.0|100|Event|5|src=1.2.3.4", "invalid CEF message: missing version"),
    ],
)
def test_parse_cef_errors(message: str, error: str) -> None:
    with pytest.raises(ExecutionError, match=error):
        parse("ParseCEF(log.body)", message)


def test_parse_cef_needs_a_string() -> None:
    with pytest.raises(ExecutionError, match="expected string but got"):
        parse("ParseCEF(log.body)", 42)


# --- CLF -------------------------------------------------------------------------------------------

DATE = "10/Oct/2000:13:55:36 -0700"


def clf(request: str, status: int, size: int | None, host: str = "127.0.0.1", user: str = "-", **more: str) -> Any:
    result: dict[str, Any] = {
        "clf.remote_host": host,
        "clf.rfc931": "-",
        "clf.auth_user": user,
        "clf.timestamp": DATE,
        "clf.request": request,
    }
    parts = request.split(" ", 2)
    if len(parts) == 3:
        result.update({"clf.method": parts[0], "clf.request_uri": parts[1], "clf.protocol": parts[2]})
    result["clf.status"] = status
    if size is not None:
        result["clf.bytes"] = size
    result.update({f"clf.{key}": value for key, value in more.items()})
    return result


@pytest.mark.parametrize(
    ("call", "line", "expected"),
    [
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - frank [{DATE}] "GET /apache_pb.gif HTTP/1.0" 200 2326',
            clf("GET /apache_pb.gif HTTP/1.0", 200, 2326, user="frank"),
        ),
        ("ParseCLF(log.body)", f'  ::1 - - [{DATE}] "GET / HTTP/1.1" 304 -  ', clf("GET / HTTP/1.1", 304, None, "::1")),
        ("ParseCLF(log.body)", f'127.0.0.1 - - [{DATE}] "garbage" 400 0', clf("garbage", 400, 0)),
        ("ParseCLF(log.body)", f'127.0.0.1 - - [{DATE}] "" 408 -', clf("", 408, None)),
        (
            'ParseCLF(log.body, "clf")',
            f'127.0.0.1 - - [{DATE}] "GET /f HTTP/1.1" 200 9223372036854775807',
            clf("GET /f HTTP/1.1", 200, 9223372036854775807),
        ),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET /search?q=\\"foo\\" HTTP/1.1" 200 42',
            clf('GET /search?q="foo" HTTP/1.1', 200, 42),
        ),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET /path\\\\to\\x22file\\x22 HTTP/1.1" 200 7',
            clf('GET /path\\to"file" HTTP/1.1', 200, 7),
        ),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET /a\\q/b\\xZZ/\\xc3\\xa9 HTTP/1.1" 200 5',
            clf("GET /a\\q/b\\xZZ/\u00e9 HTTP/1.1", 200, 5),
        ),
        (
            'ParseCLF(log.body, "combined")',
            f'127.0.0.1 - frank [{DATE}] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
            '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
            clf(
                "GET /apache_pb.gif HTTP/1.0",
                200,
                2326,
                user="frank",
                referer="http://www.example.com/start.html",
                user_agent="Mozilla/4.08 [en] (Win98; I ;Nav)",
            ),
        ),
        (
            'ParseCLF(log.body, "combined")',
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200 42 "http://example.com/a\\\\b" '
            '"Mozilla/5.0 \\"compatible\\"\\tagent"',
            clf(
                "GET / HTTP/1.1",
                200,
                42,
                referer="http://example.com/a\\b",
                user_agent='Mozilla/5.0 "compatible"\tagent',
            ),
        ),
        (
            'ParseCLF(log.body, "combined")',
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 304 - "-" ""',
            clf("GET / HTTP/1.1", 304, None, referer="-", user_agent=""),
        ),
    ],
)
def test_parse_clf(call: str, line: str, expected: dict[str, Any]) -> None:
    assert parse(call, line) == expected


def test_parse_clf_injection_attempt_stays_in_the_request() -> None:
    line = (
        '203.0.113.7 - - [12/Jun/2026:09:15:02 +0000] "GET /products?id=1\\" OR \\"1\\"=\\"1 HTTP/1.1" '
        '500 412 "-" "sqlmap/1.7"'
    )
    result = parse('ParseCLF(log.body, "combined")', line)
    assert result["clf.request"] == 'GET /products?id=1" OR "1"="1 HTTP/1.1'
    assert result["clf.request_uri"] == '/products?id=1"' and result["clf.protocol"] == 'OR "1"="1 HTTP/1.1'
    assert result["clf.user_agent"] == "sqlmap/1.7" and result["clf.status"] == 500


@pytest.mark.parametrize(
    ("call", "line", "error"),
    [
        ("ParseCLF(log.body)", "", "cannot parse empty CLF message"),
        ("ParseCLF(log.body)", "this is not a CLF message", 'does not match expected "clf" format'),
        ("ParseCLF(log.body)", f'127.0.0.1 - - {DATE} "GET / HTTP/1.1" 200 42', "does not match expected"),
        ("ParseCLF(log.body)", f"127.0.0.1 - - [{DATE}] GET / HTTP/1.1 200 42", "does not match expected"),
        ("ParseCLF(log.body)", f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200', "does not match expected"),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" OK 42',
            'invalid status code "OK": strconv.ParseInt: parsing "OK": invalid syntax',
        ),
        ("ParseCLF(log.body)", f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200 lots', 'invalid bytes value "lots"'),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200 9223372036854775808',
            "value out of range",
        ),
        (
            "ParseCLF(log.body)",
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200 42 "-" "curl/8.0"',
            'does not match expected "clf" format',
        ),
        (
            'ParseCLF(log.body, "combined")',
            f'127.0.0.1 - - [{DATE}] "GET / HTTP/1.1" 200 42',
            'does not match expected "combined" format',
        ),
    ],
)
def test_parse_clf_errors(call: str, line: str, error: str) -> None:
    with pytest.raises(ExecutionError, match=error):
        parse(call, line)


def test_parse_clf_rejects_an_unknown_format_at_compile_time() -> None:
    with pytest.raises(CompileError, match='invalid format "json": must be "clf" or "combined"'):
        parse('ParseCLF(log.body, "json")', "x")


def test_functions_are_only_for_the_log_context() -> None:
    with pytest.raises(CompileError):
        parse_statements(
            ['set(resource.attributes["p"], ParseCEF("CEF:0|a|b|c|d|e|f"))'],
            signal="logs",
            context="resource",
            extra_functions=FUNCTIONS,
        )


# --- LEEF ------------------------------------------------------------------------------------------


def leef(version: str, vendor: str, product: str, product_version: str, event: str, **attributes: str) -> Any:
    return {
        "leef.version": version,
        "leef.vendor": vendor,
        "leef.product.name": product,
        "leef.product.version": product_version,
        "leef.event.id": event,
        "leef.attributes": attributes,
    }


V1 = ("1.0", "Vendor", "Product", "1.0", "Event")
V2 = ("2.0", "Vendor", "Product", "1.0", "100")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=10.50.1.1\tdst=2.10.20.20\tsev=5",
            leef("1.0", "Microsoft", "MSExchange", "4.0 SP1", "15345", src="10.50.1.1", dst="2.10.20.20", sev="5"),
        ),
        ("LEEF:1.0|Vendor|Product|1.0|Event|", leef(*V1)),
        ("LEEF:1.0|Vendor|Product|1.0|Event", leef(*V1)),
        (
            "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5",
            leef("2.0", "Lancope", "StealthWatch", "1.0", "41", src="10.0.1.8", dst="10.0.0.5", sev="5"),
        ),
        ("LEEF:2.0|Vendor|Product|1.0|100|0x09|key1=val1\tkey2=val2", leef(*V2, key1="val1", key2="val2")),
        ("LEEF:2.0|Vendor|Product|1.0|100|0X5E|key1=val1^key2=val2", leef(*V2, key1="val1", key2="val2")),
        ("LEEF:2.0|Vendor|Product|1.0|100||key1=val1\tkey2=val2", leef(*V2, key1="val1", key2="val2")),
        ("LEEF:2.0|Vendor|Product|1.0|100|^|", leef(*V2)),
        ("LEEF:2.0|Vendor|Product|1.0|100|^", leef(*V2)),
        ("May 11 11:27:23 SERVER-1 LEEF:2.0|Vendor|Product|1.0|100", leef(*V2)),
        # whitespace kept, "=" inside a value, empty values, a pipe inside a value
        (
            "LEEF:1.0|Vendor|Product|1.0|Event|msg=hello world \turl=http://x?a=b\tk=\tp=a|b",
            leef(*V1, msg="hello world ", url="http://x?a=b", k="", p="a|b"),
        ),
        # empty pairs, pairs without "=", empty keys are skipped; the last duplicate wins
        ("LEEF:2.0|Vendor|Product|1.0|100|^|^k=1^^junk^=v^k=2^", leef(*V2, k="2")),
        # LEEF 2.0 without the delimiter field: tab, and pipes stay in the attributes
        ("LEEF:2.0|Vendor|Product|1.0|100|key1=a|b\tkey2=val2", leef(*V2, key1="a|b", key2="val2")),
        (
            "<113>1 2019-01-18T11:07:53.520+07:00 hostname LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8",
            leef("2.0", "Lancope", "StealthWatch", "1.0", "41", src="10.0.1.8"),
        ),
    ],
)
def test_parse_leef(message: str, expected: dict[str, Any]) -> None:
    assert parse("ParseLEEF(log.body)", message) == expected


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "cannot parse empty LEEF message"),
        ("CEF:0|Vendor|Product|1.0|100|Event Name|5|src=1.2.3.4", "invalid LEEF message: 'LEEF:' not found"),
        ("LEEF:3.0|Vendor|Product|1.0|EventID|key=value", r"unsupported LEEF version: 3.0 \(supported: 1.0, 2.0\)"),
        ("LEEF:abc|Vendor|Product|1.0|EventID|key=value", "unsupported LEEF version: abc"),
        ("LEEF:1.0|OnlyVendor", r"invalid LEEF 1.0 header: expected at least 4 fields \(.*\), got 1"),
        ("LEEF:2.0|Vendor|Product|1.0", "invalid LEEF 2.0 header: expected at least 4 fields"),
        ("LEEF:1.0", "invalid LEEF message: missing pipe delimiter in header"),
        ("LEEF:2.0|V|P|1.0|E|0x9|k=v", 'invalid hex delimiter "0x9": encoding/hex: odd length hex string'),
        ("LEEF:2.0|V|P|1.0|E|0xGG|k=v", "invalid hex delimiter \"0xGG\": encoding/hex: invalid byte: U\\+0047 'G'"),
        ("LEEF:2.0|V|P|1.0|E|0x0909|k=v", "hex delimiter must decode to a single byte, got 2 bytes"),
        ("LEEF:2.0|V|P|1.0|E|0x|k=v", "invalid LEEF 2.0 delimiter: empty hex value"),
        ("LEEF:2.0|V|P|1.0|E|ab|k", 'delimiter must be a single character or 0x-prefixed hex value, got "ab"'),
    ],
)
def test_parse_leef_errors(message: str, error: str) -> None:
    with pytest.raises(ExecutionError, match=error):
        parse("ParseLEEF(log.body)", message)


# --- ELF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "#Version: 1.0\n#Date: 12-Jan-1996 00:00:00\n#Fields: time cs-method cs-uri\n"
            "00:34:23 GET /foo/bar.html\n12:21:16 GET /baz/index.html",
            {
                "elf.version": "1.0",
                "elf.date": "12-Jan-1996 00:00:00",
                "elf.fields": ["time", "cs-method", "cs-uri"],
                "elf.entries": [
                    {"time": "00:34:23", "cs-method": "GET", "cs-uri": "/foo/bar.html"},
                    {"time": "12:21:16", "cs-method": "GET", "cs-uri": "/baz/index.html"},
                ],
            },
        ),
        (
            "#Software: IIS/6.0: Logging\r\n\r\n#version: 1.0\r#Start-Date: a\n#End-Date: b\n#Remark: hi\n#Remark\n"
            '#Fields: a b c\n  1 "x ""y"" z"\t2  \n#Fields: d\n3\n#Version: 1.1\n#Other: kept out',
            {
                "elf.software": "IIS/6.0: Logging",
                "elf.version": "1.1",
                "elf.start_date": "a",
                "elf.end_date": "b",
                "elf.remark": "hi",
                "elf.fields": ["d"],
                "elf.entries": [{"a": "1", "b": 'x "y" z', "c": "2"}, {"d": "3"}],
            },
        ),
        (
            "#Version: 1.0\n#Fields: a b c\nv1\n#Fields: x\nv1 v2 v3",
            {
                "elf.version": "1.0",
                "elf.fields": ["x"],
                "elf.entries": [{"a": "v1", "b": "-", "c": "-"}, {"x": "v1"}],
            },
        ),
        (
            "#Version: 1.0\n#Software: s",
            {"elf.version": "1.0", "elf.software": "s", "elf.fields": [], "elf.entries": []},
        ),
    ],
)
def test_parse_elf(text: str, expected: dict[str, Any]) -> None:
    assert parse("ParseELF(log.body)", text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "cannot parse empty ELF message"),
        ("#Fields: time\n00:00:01", "invalid ELF: missing #Version directive"),
        ("#Version: 1.0\n00:00:01 GET /foo", "invalid ELF: data entry found before #Fields directive"),
        (
            '#Version: 1.0\n#Fields: method uri\nGET "/unterminated',
            'invalid ELF: unterminated quoted value in data line: "GET \\\\"/unterminated"',
        ),
        ('#Version: 1.0\n#Fields: a\n"x""', "unterminated quoted value"),
        ("#Version: 1.0\n#fields\n00:00:01", 'invalid ELF: malformed #Fields directive "#fields"'),
    ],
)
def test_parse_elf_errors(text: str, error: str) -> None:
    with pytest.raises(ExecutionError, match=error):
        parse("ParseELF(log.body)", text)


def test_parse_elf_warns_about_missing_and_extra_values(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pyotelcol.ottl"):
        parse("ParseELF(log.body)", "#Version: 1.0\n#Fields: a b\nv1\nv1 v2 v3")
    assert [r.getMessage() for r in caplog.records] == [
        "ELF data line has fewer values than fields; substituting '-'",
        "ELF data line has more values than fields; dropping extra values",
    ]
