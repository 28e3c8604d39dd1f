"""The ``env`` detector's reading of OTEL_RESOURCE_ATTRIBUTES: Go's format and error messages."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pyotelcol.processors.resource_detection.catalog import EnvAttributes
from pyotelcol.processors.resource_detection.detectors.base import Deadline, DetectionError, DetectorContext
from pyotelcol.processors.resource_detection.detectors.env import EnvDetector, parse, query_unescape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", {"a": "b"}),
        (" k8s.pod.name = web-1 , team=core ", {"k8s.pod.name": "web-1", "team": "core"}),
        ("url=https%3A%2F%2Fexample.com%2Fx,who=a+b%20c", {"url": "https://example.com/x", "who": "a b c"}),
        ("empty=,x=1", {"empty": "", "x": "1"}),
        ("dup=1,dup=2", {"dup": "2"}),
        ("utf=%C3%A9", {"utf": "é"}),
    ],
)
def test_valid_values(text: str, expected: dict[str, str]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("novalue", 'invalid resource format: "novalue"'),
        ("a=b,c", 'invalid resource format, invalid text: "c"'),
        ("a=%zz", 'invalid resource format in attribute: "a=%zz", err: invalid URL escape "%zz"'),
        ("a=b,c=%4", 'invalid resource format in attribute: "c=%4", err: invalid URL escape "%4"'),
    ],
)
def test_invalid_values_fail_with_go_messages(text: str, message: str) -> None:
    with pytest.raises(DetectionError) as info:
        parse(text)
    assert str(info.value) == message


def test_query_unescape_matches_go() -> None:
    assert query_unescape("a%2Cb+c") == "a,b c"
    with pytest.raises(ValueError, match='invalid URL escape "%"'):
        query_unescape("%")


def _detect(
    monkeypatch: pytest.MonkeyPatch, value: str | None, filters: EnvAttributes, old: str | None = None
) -> dict[str, object]:
    for var, val in (("OTEL_RESOURCE_ATTRIBUTES", value), ("OTEL_RESOURCE", old)):
        if val is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, val)

    class Section:
        attributes = filters

    detector = EnvDetector(DetectorContext(Section(), logging.getLogger("test"), False))
    return dict(asyncio.run(detector.detect(Deadline(None))).attributes)


def test_filters_and_the_deprecated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    filters = EnvAttributes(included=["k8s.*", "deployment.environment.name"], excluded=["k8s.pod.?ame"])
    value = "k8s.pod.name=p,k8s.node.name=n,deployment.environment.name=prod,other=x"
    assert _detect(monkeypatch, value, filters) == {"k8s.node.name": "n", "deployment.environment.name": "prod"}
    # OTEL_RESOURCE is read only when OTEL_RESOURCE_ATTRIBUTES is empty.
    assert _detect(monkeypatch, "  ", EnvAttributes(), old="legacy=1") == {"legacy": "1"}
    assert _detect(monkeypatch, None, EnvAttributes()) == {}
