"""Our Zipkin translation of every input in ``testdata/`` against what the Go collector made of it
(``make_fixtures.py`` recorded those outputs from the real Go binary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from translator.zipkin.normalize import normalize

from pyotelcol.pdata import Traces
from pyotelcol.pdata.otlpjson import to_json
from pyotelcol.translator.zipkin import (
    ZipkinError,
    v1_json_to_traces,
    v1_thrift_to_traces,
    v2_json_to_traces,
    v2_proto_to_traces,
)

TESTDATA = Path(__file__).parent / "testdata"
CASES = sorted(p.name.removesuffix(".expected.json") for p in TESTDATA.glob("*.expected.json"))


def translate(name: str, expected: dict[str, Any]) -> Traces:
    parse = expected["parse_string_tags"]
    if expected["content_type"] == "application/x-thrift":
        return v1_thrift_to_traces((TESTDATA / f"{name}.input.thrift").read_bytes(), parse)
    if expected["content_type"] == "application/x-protobuf":
        return v2_proto_to_traces((TESTDATA / f"{name}.input.pb").read_bytes(), parse)
    body = (TESTDATA / f"{name}.input.json").read_bytes()
    if expected["path"].startswith("/api/v1"):
        return v1_json_to_traces(body, parse)
    return v2_json_to_traces(body, parse)


def test_fixtures_present() -> None:
    assert len(CASES) > 60


@pytest.mark.parametrize("name", CASES)
def test_same_as_go(name: str) -> None:
    expected = json.loads((TESTDATA / f"{name}.expected.json").read_text())
    if "error" in expected:
        with pytest.raises(ZipkinError) as info:
            translate(name, expected)
        if expected["content_type"] == "application/x-thrift":
            # Go's thrift library words its decode errors its own way (README: differences)
            assert str(info.value).startswith("cannot decode Zipkin v1 thrift: ")
            return
        # protobuf-go prefixes its errors with "proto:" and a space it picks per binary (sometimes U+00A0)
        assert str(info.value) == expected["error"].replace("proto:\u00a0", "proto: ")
        return
    if expected.get("go_panics"):
        with pytest.raises(ZipkinError):  # Go's handler crashes; we refuse the request instead
            translate(name, expected)
        return
    traces = translate(name, expected)
    ours = normalize(json.loads(to_json(traces.message)), now_placeholder=expected["path"].startswith("/api/v1"))
    assert ours == expected["traces"]
