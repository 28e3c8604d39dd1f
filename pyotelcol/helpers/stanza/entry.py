"""The stanza entry (Go's pkg/stanza/entry): one log line on its way through the operators.

Values are plain Python (str, int, float, bool, bytes, dict, list, None); ``severity`` holds the
OTLP severity number directly. ``Field`` addresses a value inside an entry with Go's syntax:
``body``, ``body.a.b``, ``attributes.x``, ``attributes["k.with.dots"]``, ``resource.x``.
"""

from __future__ import annotations

import copy
from typing import Any

BODY, ATTRIBUTES, RESOURCE = "body", "attributes", "resource"


class Entry:
    __slots__ = (
        "attributes",
        "body",
        "observed_timestamp",
        "resource",
        "scope_name",
        "severity",
        "severity_text",
        "span_id",
        "timestamp",
        "trace_flags",
        "trace_id",
    )

    def __init__(self, body: Any = None, observed_timestamp: int = 0) -> None:
        self.body: Any = body
        self.attributes: dict[str, Any] = {}
        self.resource: dict[str, Any] = {}
        self.timestamp: int = 0  # unix nanoseconds; 0 = unset
        self.observed_timestamp = observed_timestamp
        self.severity = 0
        self.severity_text = ""
        self.trace_id = b""
        self.span_id = b""
        self.trace_flags = b""
        self.scope_name = ""

    def copy(self) -> Entry:
        other = Entry(copy.deepcopy(self.body), self.observed_timestamp)
        other.attributes = copy.deepcopy(self.attributes)
        other.resource = copy.deepcopy(self.resource)
        for name in ("timestamp", "severity", "severity_text", "trace_id", "span_id", "trace_flags", "scope_name"):
            setattr(other, name, getattr(self, name))
        return other


def _split_keys(text: str) -> list[str]:
    """``a.b["c.d"]['e']`` → ``[a, b, c.d, e]`` (Go's fromJSONDot)."""
    keys: list[str] = []
    i, n = 0, len(text)
    token = ""
    while i < n:
        c = text[i]
        if c == ".":
            if not token and (not keys or text[i - 1] != "]"):
                raise ValueError(f"splitting field: found an empty key in '{text}'")
            if token:
                keys.append(token)
            token = ""
            i += 1
        elif c == "[":
            if token:
                keys.append(token)
                token = ""
            if i + 1 >= n or text[i + 1] not in "'\"":
                raise ValueError(f"splitting field: found '[' without a quoted key in '{text}'")
            quote = text[i + 1]
            end = text.find(quote, i + 2)
            if end < 0 or end + 1 >= n or text[end + 1] != "]":
                raise ValueError(f"splitting field: found an unclosed bracket in '{text}'")
            keys.append(text[i + 2 : end])
            i = end + 2
        else:
            token += c
            i += 1
    if token:
        keys.append(token)
    if not keys:
        raise ValueError("splitting field: empty field")
    return keys


class Field:
    """A place in an entry: ``root`` is body, attributes or resource; ``keys`` the path below it."""

    __slots__ = ("keys", "root", "text")

    def __init__(self, root: str, keys: tuple[str, ...] = (), text: str = "") -> None:
        self.root = root
        self.keys = keys
        self.text = text or self._render()

    @classmethod
    def parse(cls, text: str, rootable: bool = False) -> Field:
        keys = _split_keys(text.strip())
        root = keys[0]
        if root not in (BODY, ATTRIBUTES, RESOURCE):
            raise ValueError(f"unrecognized prefix in field '{text}': use body, attributes or resource")
        if root != BODY and len(keys) == 1 and not rootable:
            raise ValueError(f"{root} cannot be referenced without subfield")
        return cls(root, tuple(keys[1:]), text)

    def _render(self) -> str:
        return self.root + "".join(f'["{k}"]' if "." in k else f".{k}" for k in self.keys)

    def __repr__(self) -> str:
        return f"Field({self.text})"

    def _top(self, entry: Entry) -> Any:
        if self.root == BODY:
            return entry.body
        return entry.attributes if self.root == ATTRIBUTES else entry.resource

    def get(self, entry: Entry) -> tuple[Any, bool]:
        cur = self._top(entry)
        for key in self.keys:
            if not isinstance(cur, dict) or key not in cur:
                return None, False
            cur = cur[key]
        if self.root == BODY and not self.keys and cur is None:
            return None, False
        return cur, True

    def set(self, entry: Entry, value: Any) -> None:
        """Go's Set: a map value merges into the map at the field; anything else replaces."""
        if isinstance(value, dict):
            self._target_map(entry, self.keys).update(value)
            return
        if not self.keys:
            if self.root != BODY:
                raise ValueError(f"cannot set {self.root} root")
            entry.body = value
            return
        self._target_map(entry, self.keys[:-1])[self.keys[-1]] = value

    def _target_map(self, entry: Entry, keys: tuple[str, ...]) -> dict[str, Any]:
        if self.root == BODY:
            if not isinstance(entry.body, dict):
                entry.body = {}
            cur: dict[str, Any] = entry.body
        else:
            cur = entry.attributes if self.root == ATTRIBUTES else entry.resource
        for key in keys:
            nxt = cur.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[key] = nxt
            cur = nxt
        return cur

    def delete(self, entry: Entry) -> tuple[Any, bool]:
        if not self.keys:
            if self.root == BODY:
                value, entry.body = entry.body, None
                return value, value is not None
            value = self._top(entry)
            if self.root == ATTRIBUTES:
                entry.attributes = {}
            else:
                entry.resource = {}
            return value, True
        cur = self._top(entry)
        for key in self.keys[:-1]:
            if not isinstance(cur, dict) or key not in cur:
                return None, False
            cur = cur[key]
        if not isinstance(cur, dict) or self.keys[-1] not in cur:
            return None, False
        return cur.pop(self.keys[-1]), True

    def is_parent_of(self, other: Field) -> bool:
        return self.root == other.root and other.keys[: len(self.keys)] == self.keys and other != self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and (self.root, self.keys) == (other.root, other.keys)

    def __hash__(self) -> int:
        return hash((self.root, self.keys))


BODY_FIELD = Field(BODY)
ATTRIBUTES_FIELD = Field(ATTRIBUTES)
