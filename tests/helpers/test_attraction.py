"""The attribute actions shared by the ``attributes`` and ``resource`` processors, as Go's
``internal/coreinternal/attraction`` applies them (cases follow Go's attraction tests)."""

from __future__ import annotations

import hashlib
import math
import struct
from typing import Any

import pytest

from pyotelcol import client
from pyotelcol.helpers.attraction import (
    ActionKeyValue,
    AttrProc,
    AttrProcError,
    client_address,
    parse_go_float,
    parse_go_int,
)
from pyotelcol.pdata.pcommon import Map


def _run(actions: list[Any], attrs: dict[str, Any], info: client.Info | None = None) -> dict[str, Any]:
    proc = AttrProc.from_actions([ActionKeyValue(**a) for a in actions])
    target = Map.from_raw(attrs)
    proc.process(target, info)
    return target.as_raw()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_insert_adds_only_missing_keys_and_keeps_the_yaml_type() -> None:
    actions = [
        {"key": "n", "value": 123, "action": "insert"},
        {"key": "m", "value": {"a": [1, True, 2.5, "s"]}, "action": "INSERT"},
        {"key": "kept", "value": "new", "action": "Insert"},
    ]
    assert _run(actions, {"kept": "old"}) == {"kept": "old", "n": 123, "m": {"a": [1, True, 2.5, "s"]}}


def test_update_changes_only_present_keys_and_upsert_does_both() -> None:
    actions = [
        {"key": "a", "value": "updated", "action": "update"},
        {"key": "b", "value": "updated", "action": "update"},
        {"key": "c", "value": False, "action": "upsert"},
        {"key": "d", "value": 1.5, "action": "upsert"},
    ]
    assert _run(actions, {"a": 1, "c": "x"}) == {"a": "updated", "c": False, "d": 1.5}


def test_from_attribute_copies_and_a_missing_source_skips_the_action() -> None:
    actions = [
        {"key": "copy", "from_attribute": "src", "action": "insert"},
        {"key": "none", "from_attribute": "absent", "action": "upsert"},
        {"key": "src", "from_attribute": "src", "action": "update"},
    ]
    assert _run(actions, {"src": {"k": "v"}}) == {"src": {"k": "v"}, "copy": {"k": "v"}}


def test_default_value_is_the_fallback_of_every_source() -> None:
    actions = [
        {"key": "t", "from_context": "metadata.tenant", "default_value": "default-tenant", "action": "insert"},
        {"key": "r", "from_attribute": "region", "default_value": "us-east-1", "action": "insert"},
        {"key": "only", "default_value": 7, "action": "upsert"},
    ]
    assert _run(actions, {}) == {"t": "default-tenant", "r": "us-east-1", "only": 7}
    info = client.Info(metadata=client.Metadata({"Tenant": ["acme"]}))
    assert _run(actions[:1], {}, info) == {"t": "acme"}


def test_from_context_reads_metadata_auth_and_the_client_address() -> None:
    info = client.Info(
        addr="10.1.2.3:5555",
        auth={"subject": "alice", "groups": ["a", "b"], "level": 3},
        metadata=client.Metadata({"x-one": ["1"], "x-many": ["1", "2"]}),
    )
    actions = [
        {"key": "bare", "from_context": "x-one", "action": "insert"},
        {"key": "many", "from_context": "metadata.x-many", "action": "insert"},
        {"key": "absent", "from_context": "metadata.x-none", "action": "insert"},
        {"key": "sub", "from_context": "auth.subject", "action": "insert"},
        {"key": "groups", "from_context": "auth.groups", "action": "insert"},
        {"key": "level", "from_context": "auth.level", "action": "insert"},  # not a string: skipped
        {"key": "addr", "from_context": "client.address", "action": "insert"},
    ]
    assert _run(actions, {}, info) == {"bare": "1", "many": "1;2", "sub": "alice", "groups": "a;b", "addr": "10.1.2.3"}
    # Go's clientutil.Address gives "" for an unknown peer, so the attribute is still set.
    assert _run(actions[-1:], {}, client.Info()) == {"addr": ""}


def test_the_current_client_is_used_when_none_is_given() -> None:
    with client.with_info(client.Info(metadata=client.Metadata({"tenant": ["t1"]}))):
        assert _run([{"key": "t", "from_context": "metadata.tenant", "action": "insert"}], {}) == {"t": "t1"}


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("1.2.3.4:80", "1.2.3.4"),
        ("[::1]:80", "::1"),
        ("unix-socket", "unix-socket"),
        ("host:80", "host:80"),
        (None, ""),
    ],
)
def test_client_address(addr: str | None, expected: str) -> None:
    assert client_address(addr) == expected


def test_delete_by_key_and_by_key_pattern() -> None:
    actions = [{"key": "gone", "pattern": "^http\\.request\\.header\\..*", "action": "delete"}]
    attrs = {"gone": 1, "http.request.header.cookie": "c", "http.request.method": "GET"}
    assert _run(actions, attrs) == {"http.request.method": "GET"}


def test_hash_follows_go_byte_layouts() -> None:
    attrs = {"s": "foo", "i": 24, "d": 2.4, "t": True, "f": False, "b": b"\x01", "m": {"k": 1}, "l": [1]}
    actions = [{"key": k, "action": "hash"} for k in attrs]
    assert _run(actions, attrs) == {
        "s": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "i": _sha(struct.pack("<Q", 24)),
        "d": _sha(struct.pack("<d", 2.4)),
        "t": _sha(b"\x01"),
        "f": _sha(b"\x00"),
        "b": "",
        "m": "",
        "l": "",
    }
    assert _run([{"key": "i", "action": "hash"}], {"i": -1}) == {"i": _sha(b"\xff" * 8)}


def test_hash_by_pattern_hashes_a_matching_key_twice_as_go_does() -> None:
    actions = [{"key": "updateme", "pattern": "^updateme.*", "action": "hash"}]
    result = _run(actions, {"updateme": "x", "updatemetoo": "y", "other": "z"})
    assert result == {"updateme": _sha(_sha(b"x").encode()), "updatemetoo": _sha(b"y"), "other": "z"}


def test_extract_writes_named_groups_as_strings() -> None:
    actions = [{"key": "url", "pattern": "^(?P<scheme>\\w+)://(?P<host>[^/:]+)(:(?P<port>\\d+))?", "action": "extract"}]
    # the unnamed group (:...) makes this invalid; Go's example uses only named ones
    with pytest.raises(AttrProcError, match="contains at least one unnamed matcher group"):
        _run(actions, {})
    actions = [
        {"key": "url", "pattern": "^(?P<scheme>\\w+)://(?P<host>[^/:]+)(?::(?P<port>\\d+))?", "action": "extract"}
    ]
    assert _run(actions, {"url": "https://example.com/x", "host": "old"}) == {
        "url": "https://example.com/x",
        "host": "example.com",
        "scheme": "https",
        "port": "",
    }
    assert _run(actions, {"url": 5}) == {"url": 5}  # only strings are read
    assert _run(actions, {"url": "no match"}) == {"url": "no match"}


@pytest.mark.parametrize(
    ("to", "before", "after"),
    [
        ("int", "123", 123),
        ("int", "+7", 7),
        ("int", " 7", " 7"),
        ("int", "1_0", "1_0"),
        ("int", "9223372036854775808", "9223372036854775808"),
        ("int", 3.99, 3),
        ("int", -3.99, -3),
        ("int", True, 1),
        ("int", [1], [1]),
        ("double", "1e3", 1000.0),
        ("double", "0x1p-2", 0.25),
        ("double", "1e400", "1e400"),
        ("double", "abc", "abc"),
        ("double", 3, 3.0),
        ("double", False, 0.0),
        ("string", 2.0, "2"),
        ("string", 12, "12"),
        ("string", True, "true"),
        ("string", {"b": 1, "a": [2]}, '{"a":[2],"b":1}'),
    ],
)
def test_convert(to: str, before: Any, after: Any) -> None:
    assert _run([{"key": "k", "converted_type": to, "action": "convert"}], {"k": before}) == {"k": after}


def test_go_number_parsing() -> None:
    assert parse_go_int("-9223372036854775808") == -(2**63)
    assert parse_go_int("") is None
    assert math.isnan(parse_go_float("NaN") or 0.0)
    assert parse_go_float("-Infinity") == -math.inf
    assert parse_go_float(".5") == 0.5
    assert parse_go_float("5.") == 5.0
    assert parse_go_float("0x10") is None  # hex floats need an exponent in Go


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            {"action": "insert", "value": 1},
            'error creating AttrProc due to missing required field "key" at the 0-th action',
        ),
        (
            {"action": "delete"},
            'error creating AttrProc due to missing required field (at least one of "key" and "pattern" have to be used) at the 0-th action',
        ),
        (
            {"key": "k", "action": "insert"},
            'error with key "k" (0-th action): error creating AttrProc. Either field "value", "from_attribute", "from_context", or "default_value" must be specified',
        ),
        (
            {"key": "k", "action": "upsert", "value": 1, "from_attribute": "a"},
            'error with key "k" (0-th action): error creating AttrProc due to multiple value sources being set',
        ),
        (
            {"key": "k", "action": "update", "value": 1, "pattern": "x"},
            'error with key "k" (0-th action): error creating AttrProc. Action "update" does not use the "pattern" field. This must not be specified',
        ),
        (
            {"key": "k", "action": "insert", "value": 1, "converted_type": "int"},
            'error with key "k" (0-th action): error creating AttrProc. Action "insert" does not use the "converted_type" field. This must not be specified',
        ),
        (
            {"key": "k", "action": "HASH", "from_attribute": "a"},
            'error with key "k" (0-th action): error creating AttrProc. Action "hash" does not use "value" or "from_attribute" field. These must not be specified',
        ),
        (
            {"key": "k", "action": "delete", "pattern": "(a"},
            'error with key "k" (0-th action): error creating AttrProc. Field "pattern" has invalid pattern: "(a"',
        ),
        (
            {"key": "k", "action": "delete", "pattern": "(?=a)"},
            'error with key "k" (0-th action): error creating AttrProc. Field "pattern" has invalid pattern: "(?=a)"',
        ),
        (
            {"key": "k", "action": "extract", "from_context": "x", "pattern": "(?P<a>.)"},
            'error with key "k" (0-th action): error creating AttrProc. Action "extract" does not use a value source field. These must not be specified',
        ),
        (
            {"key": "k", "action": "extract"},
            'error with key "k" (0-th action): error creating AttrProc due to missing required field "pattern" for action "extract"',
        ),
        (
            {"key": "k", "action": "extract", "pattern": "abc"},
            'error with key "k" (0-th action): error creating AttrProc. Field "pattern" contains no named matcher groups',
        ),
        (
            {"key": "k", "action": "convert", "pattern": "a"},
            'error with key "k" (0-th action): error creating AttrProc. Action "convert" does not use value sources or "pattern" field. These must not be specified',
        ),
        (
            {"key": "k", "action": "convert"},
            'error with key "k" (0-th action): error creating AttrProc due to missing required field "converted_type" for action "convert"',
        ),
        (
            {"key": "k", "action": "convert", "converted_type": "bool"},
            'error with key "k" (0-th action): error creating AttrProc due to invalid value "bool" in field "converted_type" for action "convert"',
        ),
        (
            {"key": "k", "action": "rename"},
            'error with key "k" (0-th action): error creating AttrProc due to unsupported action "rename"',
        ),
    ],
)
def test_config_errors_carry_go_messages(action: dict[str, Any], message: str) -> None:
    with pytest.raises(AttrProcError) as err:
        AttrProc.from_actions([ActionKeyValue(**action)])
    assert str(err.value) == message


def test_errors_name_the_index_of_the_action() -> None:
    with pytest.raises(AttrProcError, match=r"^error with key \"b\" \(1-th action\)"):
        AttrProc.from_actions([ActionKeyValue(key="a", value=1, action="insert"), ActionKeyValue(key="b", action="x")])


def test_big_yaml_integers_are_stored_as_go_stores_them() -> None:
    actions = [{"key": "u", "value": 2**64 - 1, "action": "insert"}, {"key": "f", "value": 2**64, "action": "insert"}]
    assert _run(actions, {}) == {"u": -1, "f": float(2**64)}
