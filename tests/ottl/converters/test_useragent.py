"""UserAgent against Go's own test table (pkg/ottl/ottlfuncs/func_user_agent_test.go)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from ottl.engine_data import as_json, logs, plain_attrs, record  # type: ignore[import-not-found,unused-ignore]

from pyotelcol.component import Signal
from pyotelcol.ottl import ErrorMode, parse_statements
from pyotelcol.ottl.converters.useragent import _parser, parse_user_agent
from pyotelcol.ottl.functions import CompileError, ExecutionError

ANDROID = (
    "Mozilla/5.0 (Linux; Android 4.1.1; SPH-L710 Build/JRO03L) AppleWebKit/535.19 (KHTML, like Gecko) "
    "Chrome/18.0.1025.166 Mobile Safari/535.19"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/13.1.1 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/91.0.4472.124 Safari/537.36 Edg/91.0.864.59"
)
OPERA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.106 "
    "Safari/537.36 OPR/38.0.2220.41"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.103 Safari/537.36"
VIAFREE = "ViaFree-DK/3.8.3 (com.MTGx.ViaFree.dk; build:7383; iOS 12.1.0) Alamofire/4.7.0"
JAVA_SDK = "ibm-cos-sdk-java/2.3.0 Linux/4.9.0-8-amd64 Java_HotSpot(TM)_64-Bit_Server_VM/9.0.4+11/9.0.4'"
COLLECTOR = "OpenTelemetry Collector Contrib/0.106.1 (linux/amd64)"

# (user agent, name, version, os.name or None, os.version or None): Go's expected maps.
GO_TABLE = [
    (ANDROID, "Chrome Mobile", "18.0.1025", "Android", "4.1.1"),
    (FIREFOX, "Firefox", "126.0", "Linux", None),
    (CHROME, "Chrome", "51.0.2704", "Linux", None),
    (IPHONE, "Mobile Safari", "13.1.1", "iOS", "13.5.1"),
    (EDGE, "Edge", "91.0.864", "Windows", "10"),
    (OPERA, "Opera", "38.0.2220", "Linux", None),
    ("curl/7.81.0", "curl", "7.81.0", "Other", None),
    ("foobar/1.2.3 (foo; bar baz)", "Other", "", "Other", None),
    (COLLECTOR, "Other", "", "Linux", None),
    (VIAFREE, "ViaFree", "3.8.3", "iOS", "12.1.0"),
    (JAVA_SDK, "ibm-cos-sdk-java", "2.3.0", "Linux", "4.9.0"),
]


@pytest.mark.parametrize(("text", "name", "version", "os_name", "os_version"), GO_TABLE)
def test_go_table(
    call: Callable[..., Any], text: str, name: str, version: str, os_name: str | None, os_version: str | None
) -> None:
    expected = {"user_agent.original": text, "user_agent.name": name, "user_agent.version": version}
    if os_name is not None:
        expected["os.name"] = os_name
    if os_version is not None:
        expected["os.version"] = os_version
    assert call("UserAgent", text) == expected


def test_results_are_cached_and_not_shared(call: Callable[..., Any]) -> None:
    parse_user_agent.cache_clear()
    first = call("UserAgent", FIREFOX)
    first["user_agent.name"] = "changed"  # a caller's edit must not leak into the cache
    second = call("UserAgent", FIREFOX)
    assert second["user_agent.name"] == "Firefox"
    info = parse_user_agent.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert info.maxsize is not None and info.maxsize > 0


@pytest.mark.parametrize(("value", "message"), [(None, "expected string but got nil"), (42, "expected string")])
def test_non_string_is_an_error(call: Callable[..., Any], value: object, message: str) -> None:
    with pytest.raises(ExecutionError, match=message):
        call("UserAgent", value)


def test_empty_string_is_unknown(call: Callable[..., Any]) -> None:
    assert call("UserAgent", "") == {
        "user_agent.original": "",
        "user_agent.name": "Other",
        "user_agent.version": "",
        "os.name": "Other",
    }


def test_in_a_statement_the_map_merges_into_attributes() -> None:
    # The usual use: parse the header attribute and merge the result into the attributes.
    header: dict[str, Any] = {"http.user_agent": "curl/7.81.0"}
    data = logs(record(body="GET /", **header))
    group = parse_statements(
        ['merge_maps(log.attributes, UserAgent(log.attributes["http.user_agent"]), "upsert")'],
        signal=Signal.LOGS,
        error_mode=ErrorMode.PROPAGATE,
    )
    group.execute(data)
    attributes = plain_attrs(as_json(data)["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"])
    assert attributes == {
        "http.user_agent": "curl/7.81.0",
        "user_agent.original": "curl/7.81.0",
        "user_agent.name": "curl",
        "user_agent.version": "7.81.0",
        "os.name": "Other",
    }


def test_without_the_package_the_statement_fails_to_compile(
    compile_converter: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulates an install without ua-parser (a None entry makes Python's import fail).
    monkeypatch.setitem(sys.modules, "ua_parser", None)
    _parser.cache_clear()
    try:
        with pytest.raises(CompileError, match=r"UserAgent needs the 'ua-parser' package"):
            compile_converter("UserAgent", FIREFOX)
    finally:
        _parser.cache_clear()
