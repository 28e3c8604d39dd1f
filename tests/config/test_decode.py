"""The strict typed decoder (Go's confmap/mapstructure rules) on small config dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from pyotelcol.config import DecodeError, OptionalSection, decode, validate
from pyotelcol.confmap import load_yaml
from pyotelcol.confmap.expanded import ExpandedValue


@dataclass
class Server:
    endpoint: str = "localhost:4317"
    max_streams: int = 0

    def validate(self) -> None:
        if self.max_streams < 0:
            raise ValueError("'max_streams' must be non-negative")


@dataclass
class Config:
    name: str = ""
    port: int = 4317
    ratio: float = 0.5
    enabled: bool = True
    timeout: timedelta = timedelta(seconds=5)
    tags: list[str] = field(default_factory=lambda: ["a"])
    headers: dict[str, str] = field(default_factory=lambda: {"x": "1"})
    grpc: OptionalSection[Server] = field(default_factory=lambda: OptionalSection.default(Server()))
    tls: OptionalSection[Server] = field(default_factory=lambda: OptionalSection.none(Server))


def errors(yaml_text: str) -> list[str]:
    with pytest.raises(DecodeError) as info:
        decode(Config, load_yaml(yaml_text))
    return info.value.errors


def test_defaults_survive_and_values_override() -> None:
    cfg = decode(Config, load_yaml("port: 9\ntimeout: 1m30s\ntags: [b, c]\nheaders: {y: '2'}"))
    assert (cfg.port, cfg.timeout, cfg.tags) == (9, timedelta(seconds=90), ["b", "c"])  # lists replace
    assert cfg.headers == {"x": "1", "y": "2"}  # maps merge into the default
    assert decode(Config, load_yaml("tags: 'p, q'")).tags == ["p", "q"]  # a string splits on commas
    assert decode(Config, load_yaml("timeout: 250")).timeout == timedelta(microseconds=0.25)  # int = ns
    assert decode(Config, load_yaml("tags:")).tags == ["a"]  # null keeps the default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prot: 1", "'' has invalid keys: prot"),
        ('port: "4317"', "'port' expected type 'int', got unconvertible type 'string', value: '4317'"),
        ("enabled: 'true'", "'enabled' expected type 'bool', got unconvertible type 'string'"),
        ("name: 5", "'name' expected type 'string', got unconvertible type 'int'"),
        ("timeout: 5d", '\'timeout\' time: unknown unit "d" in duration "5d"'),
        ("grpc: {endpont: x}", "'grpc' has invalid keys: endpont"),
        ("grpc: {enabled: 'no'}", "unexpected type string for 'enabled': got 'no' value expected 'true' or 'false'"),
        ("name: 2001-12-14", "'name' expected type 'string', got unconvertible type 'time.Time'"),
        ("tags: {a: 1}", "'tags' source data must be an array or slice, got map"),
    ],
)
def test_strict_errors(text: str, message: str) -> None:
    assert any(e.startswith(message) for e in errors(text)), errors(text)


def test_all_errors_are_collected() -> None:
    assert len(errors("prot: 1\nport: x\nratio: y")) == 3


def test_expanded_values_decode_by_target_type() -> None:
    # a whole-value ${...}: strings get the original text, other fields the parsed YAML value
    raw = {"name": ExpandedValue(7, "007"), "port": ExpandedValue(7, "007"), "ratio": ExpandedValue(None, "")}
    cfg = decode(Config, raw)
    assert (cfg.name, cfg.port, cfg.ratio) == ("007", 7, 0.0)  # unset var: the zero value, not the default


def test_optional_sections_follow_configoptional() -> None:
    assert not decode(Config, {}).grpc.enabled
    assert decode(Config, load_yaml("grpc:")).grpc.enabled  # presence, even null, turns a default-state section on
    off = decode(Config, load_yaml("grpc: {enabled: false, endpoint: 'h:1'}")).grpc
    assert not off.enabled and off.value.endpoint == "h:1"  # other keys still decoded
    assert not decode(Config, load_yaml("tls:")).tls.enabled  # a none-state section stays off on null
    assert decode(Config, load_yaml("tls: {}")).tls.enabled  # and turns on with any map


def test_validate_prefixes_paths_and_skips_disabled_sections() -> None:
    cfg = decode(Config, load_yaml("grpc: {max_streams: -1}"))
    assert validate(cfg, "receivers::x") == ["receivers::x::grpc: 'max_streams' must be non-negative"]
    cfg = decode(Config, load_yaml("grpc: {enabled: false, max_streams: -1}"))
    assert validate(cfg, "receivers::x") == []
